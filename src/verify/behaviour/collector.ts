import type { K8sObject } from '../../components/types.js';
import { applicationNamespaces } from '../../components/namespaces/facts.js';
import { obj, helmUnit, namespacePointer, ptr, type BehaviourRule, type Finding, type RuleContext } from './types.js';

type Obj = Record<string, unknown>;

const collectors = (ctx: RuleContext): K8sObject[] =>
  ctx.units.flatMap((u) => (u.kind === 'kustomize' ? u.objects.filter((o) => o.kind === 'OpenTelemetryCollector') : []));

const K8S_ATTRIBUTES = /^(k8s_attributes|k8sattributes)(\/.*)?$/;

/**
 * Tenant routing reads k8s.namespace.name, which k8s_attributes sets from its pod informer. Without
 * wait_for_metadata the processor starts before the informer has synced, and spans arriving then lose the
 * namespace and take the default route: the platform tenant (open-telemetry/opentelemetry-collector-contrib
 * v0.158.0 processor/k8sattributesprocessor config.go WaitForMetadata, factory.go).
 */
/**
 * The collector whose loadbalancing exporter feeds this one (tail sampling's tier 1 in front of tier 2), with the
 * pipeline that exports to it: the k8s resolver names "<name>-collector-headless.<namespace>" (the operator's
 * headless Service, opentelemetry-operator v0.158.0 internal/naming/main.go), the dns resolver its hostname.
 */
export function feederOf(ctx: RuleContext, target: K8sObject, namespace: string): { collector: K8sObject; pipeline: Obj } | undefined {
  const service = `${target.metadata.name}-collector-headless`;
  for (const u of ctx.units) {
    if (u.kind !== 'kustomize') continue;
    for (const c of u.objects.filter((o) => o.kind === 'OpenTelemetryCollector')) {
      const config = obj(obj(c.spec).config);
      for (const [id, e] of Object.entries(obj(config.exporters))) {
        if (!/^load_?balancing(\/.*)?$/.test(id)) continue;
        const resolver = obj(obj(e).resolver);
        const host = String(obj(resolver.k8s).service ?? obj(resolver.dns).hostname ?? '');
        const [name, ns] = host.split('.');
        if (name !== service || (ns ?? u.namespace) !== namespace) continue;
        const pipeline = Object.values(obj(obj(config.service).pipelines)).find((p) => ((obj(p).exporters as string[] | undefined) ?? []).includes(id));
        if (pipeline) return { collector: c, pipeline: obj(pipeline) };
      }
    }
  }
  return undefined;
}

export const collectorWaitsForMetadata: BehaviourRule = {
  id: 'collector-metadata',
  prevents: 'early spans routed to the wrong tenant because k8s_attributes had not synced its pod informer yet',
  source: 'open-telemetry/opentelemetry-collector-contrib v0.158.0 processor/k8sattributesprocessor/config.go, factory.go; connector/routingconnector',
  check(ctx) {
    const out: Finding[] = [];
    for (const u of ctx.units) {
      if (u.kind !== 'kustomize') continue;
      for (const c of u.objects.filter((o) => o.kind === 'OpenTelemetryCollector')) {
        const config = obj(obj(c.spec).config);
        const table = (obj(obj(config.connectors).routing).table as Obj[] | undefined) ?? [];
        if (!table.some((row) => String(row.condition ?? row.statement ?? '').includes('k8s.namespace.name'))) continue;
        const pipelines = obj(obj(config.service).pipelines);
        // Tail sampling's tier 2 routes on what tier 1's k8s_attributes set: the feeding pipeline must wait.
        const feeder = feederOf(ctx, c, u.namespace);
        for (const [name, p] of Object.entries(pipelines)) {
          if (!((obj(p).exporters as string[] | undefined) ?? []).includes('routing')) continue;
          const [procs, processors] = feeder
            ? [(feeder.pipeline.processors as string[] | undefined) ?? [], obj(obj(obj(feeder.collector.spec).config).processors)]
            : [(obj(p).processors as string[] | undefined) ?? [], obj(config.processors)];
          const k8s = procs.find((x) => K8S_ATTRIBUTES.test(x));
          if (!k8s || obj(processors[k8s]).wait_for_metadata !== true) {
            out.push({
              pointer: ptr('spec', 'teams'),
              message: `collector ${c.metadata.name}: pipeline ${name} routes tenants by k8s.namespace.name but ${feeder ? `its feeder ${feeder.collector.metadata.name} ` : ''}${k8s ? `${k8s} does not set wait_for_metadata: true` : 'has no k8s_attributes processor'}; spans that arrive before the pod informer syncs go to the platform tenant`,
              suggestion: 'This is a tracestack bug (please report).',
            });
          }
        }
      }
    }
    return out;
  },
};

/**
 * Every component a pipeline names must be defined, every defined connector must be both an exporter of one
 * pipeline and a receiver of another, else the collector refuses the configuration at start
 * (open-telemetry/opentelemetry-collector v0.158.0 service/internal/graph: "references ... which is not configured",
 * "connector ... used as exporter in ... pipeline but not used in any supported receiver pipeline").
 */
export const collectorPipelines: BehaviourRule = {
  id: 'collector-pipelines',
  prevents: 'a collector that refuses its configuration: a pipeline naming an undefined receiver, processor, exporter or connector',
  source: 'open-telemetry/opentelemetry-collector v0.158.0 service/pipelines/config.go, service/internal/graph/graph.go',
  check(ctx) {
    const out: Finding[] = [];
    for (const c of collectors(ctx)) {
      const config = obj(obj(c.spec).config);
      const defined = (section: string) => new Set(Object.keys(obj(config[section])));
      const connectors = defined('connectors');
      const asExporter = new Set<string>();
      const asReceiver = new Set<string>();
      for (const [name, p] of Object.entries(obj(obj(config.service).pipelines))) {
        const check = (kind: 'receivers' | 'processors' | 'exporters') => {
          for (const id of (obj(p)[kind] as string[] | undefined) ?? []) {
            if (kind !== 'processors' && connectors.has(id)) (kind === 'exporters' ? asExporter : asReceiver).add(id);
            else if (!defined(kind).has(id)) out.push({ pointer: ptr('spec', 'collector'), message: `collector ${c.metadata.name}: pipeline ${name} names ${kind.slice(0, -1)} "${id}", which is not defined`, suggestion: 'This is a tracestack bug (please report).' });
          }
        };
        check('receivers');
        check('processors');
        check('exporters');
      }
      for (const id of connectors) {
        if (!asExporter.has(id) || !asReceiver.has(id)) out.push({ pointer: ptr('spec', 'collector'), message: `collector ${c.metadata.name}: connector "${id}" must be an exporter of one pipeline and a receiver of another`, suggestion: 'This is a tracestack bug (please report).' });
      }
    }
    return out;
  },
};

/**
 * Every application namespace (instrumented or a team's) gets sidecars: its Namespace carries the label istiod's
 * injection webhook selects (istio/istio 1.30.3 manifests/charts/istio-control/istio-discovery/templates/
 * mutatingwebhook.yaml: `istio-injection=enabled` only for the default revision, `istio.io/rev=<revision>` for a
 * revision, nothing when sidecarInjectorWebhook.enableNamespacesByDefault is false, its default). The rendered
 * istiod values are read, so a revision set through istiodValues counts.
 */
export const meshEnrolment: BehaviourRule = {
  id: 'mesh-enrolment',
  prevents: 'application namespaces without sidecars: no mesh spans, no access logs for the Loki link, team Telemetry that does nothing',
  source: 'istio/istio 1.30.3 manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml, values.yaml (revision, sidecarInjectorWebhook.enableNamespacesByDefault)',
  check(ctx) {
    const istiod = helmUnit(ctx.units, 'istiod');
    const s = ctx.env.spec.istio;
    if (!istiod && !(s.enabled && !s.install)) return [];
    // the rendered istiod's revision, or for an existing Istio the revision the spec says it runs
    const revision = String(istiod ? (istiod.values.revision ?? '') : (s.revision ?? ''));
    // Ambient: the rendered istiod runs with PILOT_ENABLE_AMBIENT (or the spec says the existing Istio is ambient);
    // ztunnel then captures namespaces labelled istio.io/dataplane-mode=ambient (istio/istio 1.30.3
    // manifests/charts/istio-cni/values.yaml ambient.enablementSelectors).
    const ambient = istiod ? String(obj(istiod.values.env).PILOT_ENABLE_AMBIENT) === 'true' : s.mode === 'ambient';
    const matches = (labels: Record<string, string>) =>
      ambient
        ? labels['istio.io/dataplane-mode'] === 'ambient'
        : revision === ''
        ? labels['istio-injection'] === 'enabled' || (labels['istio-injection'] === undefined && labels['istio.io/rev'] === 'default')
        : labels['istio-injection'] === undefined && labels['istio.io/rev'] === revision;
    const labelsOf = new Map<string, Record<string, string>>();
    for (const u of ctx.units) {
      if (u.kind === 'kustomize') for (const o of u.objects) if (o.kind === 'Namespace') for (const ns of u.targetNamespaces) labelsOf.set(ns, o.metadata.labels ?? {});
      if (u.namespaceMetadata) labelsOf.set(u.namespace, u.namespaceMetadata.labels ?? {});
    }
    const out: Finding[] = [];
    for (const ns of applicationNamespaces(ctx.env)) {
      const labels = labelsOf.get(ns);
      if (labels && matches(labels)) continue;
      const want = ambient ? 'istio.io/dataplane-mode=ambient' : revision ? `istio.io/rev=${revision}` : 'istio-injection=enabled';
      out.push({
        pointer: ctx.written(ptr('spec', 'istio', 'istiodValues', 'revision')) ? ptr('spec', 'istio', 'istiodValues', 'revision') : namespacePointer(ctx.env, ns),
        message: ambient
          ? `namespace "${ns}" is not enrolled in the ambient mesh: ztunnel captures only pods of namespaces with ${want}, and it has ${labels ? JSON.stringify(labels) : 'no labels tracestack manages'}`
          : `namespace "${ns}" is not enrolled in the mesh: istiod${revision ? ` (revision ${revision})` : ''} injects sidecars only where the namespace has ${want}, and it has ${labels ? JSON.stringify(labels) : 'no labels tracestack manages'}`,
        suggestion: ctx.written(ptr('spec', 'istio', 'istiodValues', 'revision')) ? `Set: spec.istio.revision: ${revision}  (instead of istiodValues.revision)` : 'This is a tracestack bug (please report).',
      });
    }
    return out;
  },
};
