import { PORTS } from '../../components/names.js';
import { helmUnit, obj, ptr, type BehaviourRule, type Finding } from './types.js';

type Obj = Record<string, unknown>;

/**
 * With teams, the tenant is a header Tempo trusts (grafana/tempo v2.10.7 pkg/util user.ExtractOrgID via dskit's
 * tenant resolver: whatever X-Scope-OrgID says), so isolation holds only if nothing but the collector (write)
 * and Grafana (read) can reach Tempo. Tempo and the collector stay outside the mesh (the collector assigns
 * tenants by the sending pod's IP), so an Istio AuthorizationPolicy would not apply to them: a NetworkPolicy
 * does (kubernetes.io NetworkPolicy: a pod selected by an Ingress policy admits only what some rule allows).
 */
export const tenantIsolation: BehaviourRule = {
  id: 'tenant-isolation',
  prevents: 'teams reading each other\'s traces by talking to Tempo directly with another tenant\'s X-Scope-OrgID',
  source: 'kubernetes/website concepts/services-networking/network-policies (v1.35); grafana/tempo v2.10.7 multitenancy (X-Scope-OrgID is trusted)',
  check(ctx) {
    if (!(ctx.env.spec.teams ?? []).length || !ctx.env.spec.tempo.enabled) return [];
    const ns = ctx.env.spec.tempo.namespace;
    const policies = ctx.units.flatMap((u) => (u.kind === 'kustomize' && u.targetNamespaces.includes(ns) ? u.objects.filter((o) => o.kind === 'NetworkPolicy') : []));
    const out: Finding[] = [];
    const covering = policies.filter((p) => Object.keys(obj(obj(p.spec).podSelector)).length === 0 && ((obj(p.spec).policyTypes as string[] | undefined) ?? []).includes('Ingress'));
    if (!covering.length) {
      out.push({
        pointer: ctx.written(ptr('spec', 'tempo', 'networkPolicy')) ? ptr('spec', 'tempo', 'networkPolicy') : ptr('spec', 'teams'),
        message: `with teams, Tempo trusts the X-Scope-OrgID header, but nothing restricts who reaches Tempo in namespace "${ns}": any pod could read any team's traces`,
        suggestion: 'Set: spec.tempo.networkPolicy: true',
      });
      return out;
    }
    const allowed = new Set([ns, ctx.env.spec.collector.namespace, ctx.env.spec.grafana.namespace]);
    for (const p of covering) {
      for (const rule of (obj(p.spec).ingress as Obj[] | undefined) ?? []) {
        const peers = (rule.from as Obj[] | undefined) ?? [];
        const open = !peers.length || peers.some((peer) => {
          if (peer.ipBlock) return true;
          if (!peer.namespaceSelector) return false; // same namespace
          const name = obj(obj(peer.namespaceSelector).matchLabels)['kubernetes.io/metadata.name'];
          return typeof name !== 'string' || !allowed.has(name) || !Object.keys(obj(obj(peer.podSelector).matchLabels)).length;
        });
        if (open) out.push({ pointer: ptr('spec', 'tempo', 'networkPolicy'), message: `NetworkPolicy ${p.metadata.name} in "${ns}" admits more than Tempo, the collector and Grafana: ${JSON.stringify(rule.from ?? 'everyone')}`, suggestion: 'This is a tracestack bug (please report).' });
      }
    }
    return out;
  },
};

type Pod = { namespace: string; labels: Record<string, string> };
const matches = (selector: unknown, labels: Record<string, string>) => Object.entries(obj(obj(selector).matchLabels)).every(([k, v]) => labels[k] === v);

/**
 * Does some policy selecting every pod of `namespace` admit `pod` on `port`? Kubernetes semantics: a pod selected by
 * an Ingress policy admits a connection only if some rule's peer and port match; a peer without namespaceSelector
 * means the policy's own namespace (kubernetes/website concepts/services-networking/network-policies, v1.35).
 */
export function admits(policies: Array<Record<string, unknown>>, namespace: string, pod: Pod, port: number): boolean {
  const selecting = policies.filter((p) => ((obj(p.spec).policyTypes as string[] | undefined) ?? ['Ingress']).includes('Ingress'));
  if (!selecting.length) return true;
  return selecting.some((p) =>
    ((obj(p.spec).ingress as Obj[] | undefined) ?? []).some((rule) => {
      const from = (rule.from as Obj[] | undefined) ?? [];
      const peerOk = !from.length || from.some((peer) => Boolean(peer.ipBlock) || ((peer.namespaceSelector ? matches(peer.namespaceSelector, { 'kubernetes.io/metadata.name': pod.namespace }) : pod.namespace === namespace) && (peer.podSelector ? matches(peer.podSelector, pod.labels) : true)));
      const ports = (rule.ports as Obj[] | undefined) ?? [];
      return peerOk && (!ports.length || ports.some((p) => p.port === port));
    }),
  );
}

/**
 * The other side of tenant-isolation: a policy in front of Tempo must still let the rendered collector write
 * (distributor OTLP gRPC) and the rendered Grafana read (query frontend), or no trace arrives and no datasource
 * answers. Pod labels as the programs set them: the operator's collector selector labels
 * (opentelemetry-operator v0.158.0 internal/manifests/manifestutils/labels.go SelectorLabels) and the grafana chart's
 * (grafana-12.11.1 templates/_helpers.tpl grafana.selectorLabels, name = chart name unless nameOverride).
 */
export const tempoReachable: BehaviourRule = {
  id: 'tempo-reachable',
  prevents: "a NetworkPolicy in front of Tempo that shuts out the collector (no trace is stored) or Grafana (no datasource answers)",
  source: 'kubernetes NetworkPolicy semantics (v1.35); opentelemetry-operator v0.158.0 internal/manifests/manifestutils/labels.go; grafana-community/helm-charts grafana-12.11.1 templates/_helpers.tpl',
  check(ctx) {
    const s = ctx.env.spec;
    if (!s.tempo.enabled) return [];
    const policies = ctx.units.flatMap((u) => (u.kind === 'kustomize' && u.targetNamespaces.includes(s.tempo.namespace) ? u.objects.filter((o) => o.kind === 'NetworkPolicy' && Object.keys(obj(obj(o.spec).podSelector)).length === 0) : []));
    if (!policies.length) return [];
    const out: Finding[] = [];
    const where = ctx.written(ptr('spec', 'tempo', 'networkPolicy')) ? ptr('spec', 'tempo', 'networkPolicy') : ptr('spec', 'tempo');
    for (const u of ctx.units) {
      if (u.kind !== 'kustomize') continue;
      // Collectors that write to Tempo (with tail sampling tier 1 writes to tier 2 only).
      const writers = u.objects.filter((o) => o.kind === 'OpenTelemetryCollector' && Object.values(obj(obj(obj(o.spec).config).exporters)).some((e) => String(obj(e).endpoint ?? '').includes(`.${s.tempo.namespace}.svc`)));
      for (const c of writers) {
        for (const namespace of u.targetNamespaces) {
          const pod = { namespace, labels: { 'app.kubernetes.io/managed-by': 'opentelemetry-operator', 'app.kubernetes.io/instance': `${namespace}.${c.metadata.name}`, 'app.kubernetes.io/part-of': 'opentelemetry', 'app.kubernetes.io/component': 'opentelemetry-collector' } };
          if (!admits(policies, s.tempo.namespace, pod, PORTS.otlpGrpc)) out.push({ pointer: where, message: `the NetworkPolicy in "${s.tempo.namespace}" does not admit collector ${namespace}/${c.metadata.name} on the distributor's OTLP port ${PORTS.otlpGrpc}: no span reaches Tempo`, suggestion: 'This is a tracestack bug (please report).' });
        }
      }
    }
    const g = helmUnit(ctx.units, 'grafana');
    if (g) {
      const name = String(obj(g.values).nameOverride ?? 'grafana');
      if (!admits(policies, s.tempo.namespace, { namespace: g.namespace, labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': g.release } }, PORTS.tempoHttp)) {
        out.push({ pointer: ctx.written(ptr('spec', 'grafana', 'values', 'nameOverride')) ? ptr('spec', 'grafana', 'values', 'nameOverride') : where, message: `the NetworkPolicy in "${s.tempo.namespace}" does not admit Grafana (${g.namespace}, app.kubernetes.io/name=${name}) on the query frontend's port ${PORTS.tempoHttp}: the Tempo datasources get no answer`, suggestion: 'Remove spec.grafana.values.nameOverride (the policy selects the chart name), or this is a tracestack bug.' });
      }
    }
    return out;
  },
};
