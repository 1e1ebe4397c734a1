import type { K8sObject } from '../../components/types.js';
import { applicationNamespaces } from '../../components/namespaces/facts.js';
import { sampleAccessLogLine, TRACE_ID_REGEX } from '../../components/access-log.js';
import { edgeKind } from '../../components/istio-gateway/facts.js';
import { helmUnit, namespacePointer, obj, ptr, type BehaviourRule, type Finding, type RuleContext } from './types.js';

/** Every namespaced object the units apply, with its namespace. */
const placed = (ctx: RuleContext): Array<{ ns: string; o: K8sObject; unit: string }> =>
  ctx.units.flatMap((u) => (u.kind === 'kustomize' ? u.objects.flatMap((o) => u.targetNamespaces.map((ns) => ({ ns, o, unit: u.id }))) : []));

/** Labels of each namespace as tracestack renders them (Namespace objects, or managed metadata of existing ones). */
function namespaceLabels(ctx: RuleContext): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const u of ctx.units) {
    if (u.kind === 'kustomize') for (const o of u.objects) if (o.kind === 'Namespace') for (const ns of u.targetNamespaces) out.set(ns, o.metadata.labels ?? {});
    if (u.namespaceMetadata) out.set(u.namespace, u.namespaceMetadata.labels ?? {});
  }
  return out;
}

/**
 * ztunnel is L4 only and emits no spans; in ambient mode L7 spans come from the waypoint a namespace's services use
 * (istio.io/use-waypoint naming a Gateway of class istio-waypoint in that namespace: istio/istio 1.30.3
 * istioctl/pkg/waypoint/waypoint.go; pilot/pkg/networking/core/tracing.go configures tracing on waypoints).
 */
export const ambientWaypoint: BehaviourRule = {
  id: 'ambient-waypoint',
  prevents: 'an ambient application namespace without a waypoint: ztunnel is L4 only, so its requests produce no mesh spans and no access logs',
  source: 'istio/istio 1.30.3 istioctl/pkg/waypoint/waypoint.go, pilot/pkg/networking/core/tracing.go, manifests/charts/istio-cni/values.yaml (ambient.enablementSelectors)',
  check(ctx) {
    const out: Finding[] = [];
    const labels = namespaceLabels(ctx);
    const objects = placed(ctx);
    for (const ns of applicationNamespaces(ctx.env)) {
      const l = labels.get(ns) ?? {};
      if (l['istio.io/dataplane-mode'] !== 'ambient') continue;
      const name = l['istio.io/use-waypoint'];
      const gw = name && objects.find((p) => p.ns === ns && p.o.kind === 'Gateway' && p.o.metadata.name === name && obj(p.o.spec).gatewayClassName === 'istio-waypoint');
      if (gw) continue;
      out.push({
        pointer: namespacePointer(ctx.env, ns),
        message: name
          ? `ambient namespace "${ns}" uses waypoint "${name}", but no Gateway of class istio-waypoint named so is rendered in it: its requests produce no spans`
          : `ambient namespace "${ns}" has no waypoint (no istio.io/use-waypoint label): ztunnel is L4 only, its requests produce no spans`,
        suggestion: 'This is a tracestack bug (please report).',
      });
    }
    return out;
  },
};

/**
 * A Telemetry with targetRefs applies only to the Gateway it names in its own namespace (istio/istio 1.30.3
 * pilot/pkg/model/telemetry.go applicableTelemetries with PolicyMatcherForProxy; cross-namespace targets are not
 * followed, istio/istio#61538); a target that does not exist configures nothing, silently.
 */
export const telemetryTargets: BehaviourRule = {
  id: 'telemetry-target',
  prevents: 'a Telemetry attached by targetRefs to a waypoint or gateway that does not exist in its namespace: its tracing is silently ignored',
  source: 'istio/istio 1.30.3 pilot/pkg/model/telemetry.go (applicableTelemetries), pilot/pkg/model/policyattachment.go; istio/istio#61538',
  check(ctx) {
    const out: Finding[] = [];
    const objects = placed(ctx);
    for (const t of objects.filter((p) => p.o.kind === 'Telemetry')) {
      for (const ref of (obj(t.o.spec).targetRefs as Array<Record<string, string>> | undefined) ?? []) {
        const exists = objects.some((p) => p.ns === (ref.namespace ?? t.ns) && p.o.kind === ref.kind && p.o.apiVersion.startsWith(`${ref.group}/`) && p.o.metadata.name === ref.name);
        if (exists && (ref.namespace ?? t.ns) === t.ns) continue;
        out.push({
          pointer: namespacePointer(ctx.env, t.ns),
          message: `Telemetry ${t.o.metadata.name} in namespace "${t.ns}" (${t.unit}) targets ${ref.kind} ${ref.name}${ref.namespace && ref.namespace !== t.ns ? ` in namespace "${ref.namespace}"` : ''}, which is not rendered in its namespace: istiod attaches it to nothing`,
          suggestion: 'This is a tracestack bug (please report).',
        });
      }
    }
    return out;
  },
};

/**
 * A namespace is either in the sidecar mesh or in ambient mode: with both labels, istiod injects sidecars and
 * ztunnel skips pods that have one (istio/istio 1.30.3 cni/README.md: a pod is captured for ambient only without
 * a sidecar), so the namespace silently stays sidecar while its waypoint sees nothing.
 */
export const meshModeMixed: BehaviourRule = {
  id: 'mesh-mode-mixed',
  prevents: 'a namespace enrolled in both the sidecar mesh and ambient mode: its pods keep sidecars, its waypoint and ambient tracing see nothing',
  source: 'istio/istio 1.30.3 cni/README.md (ambient capture excludes pods with sidecars), manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml',
  check(ctx) {
    const out: Finding[] = [];
    for (const [ns, l] of namespaceLabels(ctx)) {
      const sidecar = l['istio-injection'] === 'enabled' || l['istio.io/rev'] !== undefined;
      if (!sidecar || l['istio.io/dataplane-mode'] !== 'ambient') continue;
      out.push({
        pointer: ptr('spec', 'istio', 'mode'),
        message: `namespace "${ns}" is enrolled in both modes (${JSON.stringify(l)}): istiod injects sidecars and ztunnel leaves pods with sidecars alone`,
        suggestion: 'This is a tracestack bug (please report).',
      });
    }
    return out;
  },
};

/**
 * The edge gateway's access log is the mesh's (meshConfig.accessLogFile/accessLogFormat); Grafana's Loki datasource
 * finds the trace id in it with TRACE_ID_REGEX. Istio's OpenTelemetry provider propagates W3C traceparent only.
 */
export const gatewayAccessLog: BehaviourRule = {
  id: 'gateway-access-log',
  prevents: "an Istio gateway edge whose access log has no traceparent the Loki regex finds: the log-to-trace link of every edge request is dead",
  source: 'istio/istio 1.30.3 pilot/pkg/model/telemetry_logging.go (mesh access log for every proxy); grafana/grafana Loki derived fields (matcherRegex)',
  check(ctx) {
    const istiod = helmUnit(ctx.units, 'istiod');
    if (!istiod || edgeKind(ctx.env) !== 'istio-gateway' || !ctx.units.some((u) => u.id === 'edge-gateway')) return [];
    const mesh = obj(istiod.values.meshConfig);
    const line = mesh.accessLogFile ? sampleAccessLogLine(`00-${'4bf92f3577b34da6a3ce929d0e0e4736'}-00f067aa0ba902b7-01`, String(mesh.accessLogFormat ?? '')) : '';
    const m = new RegExp(TRACE_ID_REGEX).exec(line);
    if (m && m[1] === '4bf92f3577b34da6a3ce929d0e0e4736') return [];
    return [
      {
        pointer: ctx.written(ptr('spec', 'istio', 'istiodValues', 'meshConfig')) ? ptr('spec', 'istio', 'istiodValues', 'meshConfig') : ptr('spec', 'istio', 'accessLog'),
        message: mesh.accessLogFile
          ? `the edge gateway's access-log format does not carry traceparent=00-<trace id>- where the Loki regex ${TRACE_ID_REGEX} looks for it: edge log lines never link to their trace`
          : 'the edge gateway writes no access log (meshConfig.accessLogFile is empty): edge requests have no log line to link to their trace',
        suggestion: 'Set: spec.istio.accessLog: true  (and do not replace meshConfig.accessLogFormat)',
      },
    ];
  },
};
