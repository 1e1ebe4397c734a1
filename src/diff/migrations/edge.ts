import type { Environment } from '../../model.js';
import { edgeKind, type EdgeKind } from '../../components/istio-gateway/facts.js';
import { applicationNamespaces, meshEnrolmentLabels, WAYPOINT_NAME } from '../../components/namespaces/facts.js';
import { RELEASES } from '../../components/names.js';
import { EDGE_RUNBOOK } from '../../resolve/checks/edge.js';
import type { MigrationNote } from './types.js';

const code = (s: string) => `\`${s}\``;
const labels = (m: Record<string, string>) => Object.entries(m).map(([k, v]) => code(`${k}=${v}`)).join(' + ') || '(none)';
const meshMode = (e: Environment) => (e.spec.istio.enabled ? e.spec.istio.mode : 'off');

/**
 * The edge and mesh-mode migrations between two versions of one environment (the base revision's and the work
 * tree's): what the regenerated output changes, and what the user must do by hand because tracestack does not own
 * it. Each note is lines of Markdown; the PR summary and `diff` print them (README runbook: EDGE_RUNBOOK).
 */
export function edgeMigrations(before: Environment, after: Environment): MigrationNote[] {
  const notes: MigrationNote[] = [];
  const from = edgeKind(before);
  const to = edgeKind(after);
  if (from !== to) notes.push(edgeNote(before, after, from, to));
  const [mFrom, mTo] = [meshMode(before), meshMode(after)];
  if (mFrom !== mTo && mFrom !== 'off' && mTo !== 'off') notes.push(meshNote(before, after, mFrom as 'sidecar' | 'ambient', mTo as 'sidecar' | 'ambient'));
  return notes;
}

function edgeNote(before: Environment, after: Environment, from: EdgeKind, to: EdgeKind): MigrationNote {
  const env = after.metadata.name;
  const changes: string[] = [];
  const manual: string[] = [];
  // after the edge-specific steps: clean-up of the old edge
  const cleanUp: string[] = [];
  const e = after.spec.edge;
  // Istio's deployment controller runs the gateway as <name>-istio (istio/istio 1.30.3
  // pilot/pkg/config/kube/gateway/deploymentcontroller.go), with a Service of that name.
  const gatewayService = `${e.gatewayName}-istio`;
  if (from === 'ingress-nginx') {
    const ns = before.spec.ingressNginx.namespace;
    changes.push(`The ingress-nginx release (${code(`${RELEASES.ingressNginx}`)} in ${code(ns)}) is no longer rendered: Argo CD prunes its Application ${code(`${env}-ingress-nginx`)} and with it the controller and its LoadBalancer Service.`);
    cleanUp.push(
      `helmfile does not remove a release that left the helmfile: uninstall it yourself once traffic has moved (${code(`helm uninstall ${RELEASES.ingressNginx} -n ${ns}`)}).`,
      `Edge spans no longer come from ingress-nginx (service name ${code(before.spec.ingressNginx.serviceName)}): trace queries, dashboards and alerts that select it need the new edge.`,
    );
  }
  if (to === 'istio-gateway') {
    changes.push(`A Gateway API Gateway ${code(e.gatewayName)} (class ${code('istio')}, listener ${code(`http:${e.port}`)}, routes from ${code(e.allowedRouteNamespaces)} namespaces) and its Telemetry are rendered in ${code(e.namespace)}; istiod runs it as Deployment and Service ${code(gatewayService)}.`);
    if (after.spec.edge.gatewayApiCrds === 'install') changes.push(`The Gateway API standard CRDs v1.6.1 are installed first (Application ${code(`${env}-gateway-api-crds`)}, wave -5).`);
    else manual.push(`${code('spec.edge.gatewayApiCrds: existing')}: check the cluster has the Gateway API standard CRDs v1.6.1 before syncing (${code('kubectl get crd gateways.gateway.networking.k8s.io')}).`);
    if (from === 'ingress-nginx') {
      manual.push(
        `**Your Ingress objects are yours: tracestack does not own, convert or delete them.** Rewrite each Ingress of class ${code('nginx')} as an HTTPRoute whose ${code('parentRefs')} name the Gateway ${code(`${e.gatewayName}`)} in ${code(e.namespace)}${e.allowedRouteNamespaces === 'Same' ? ` (allowedRoutes is ${code('Same')}: the HTTPRoutes must live in ${code(e.namespace)})` : ''}; nginx annotations (rewrites, auth, rate limits, CORS) have no one-to-one HTTPRoute field and need a review (kubernetes-sigs/ingress2gateway drafts the routes).`,
        `Move DNS (or your external load balancer) from the ingress-nginx Service to ${code(`${gatewayService}.${e.namespace}`)}, then delete the Ingresses.`,
        `Merging removes ingress-nginx at the next sync: create the HTTPRoutes and check them against ${code(gatewayService)} before you merge, or expect the edge to be down until DNS points at the gateway.`,
      );
    }
  }
  if (from === 'istio-gateway') {
    changes.push(`The Gateway ${code(before.spec.edge.gatewayName)} in ${code(before.spec.edge.namespace)} and its Telemetry are no longer rendered (Argo CD prunes them; istiod removes ${code(`${before.spec.edge.gatewayName}-istio`)}).`);
    manual.push(`HTTPRoutes attached to ${code(before.spec.edge.gatewayName)} are yours and stay, detached: move them (or Ingresses) to the new edge. The Gateway API CRDs stay installed (their Application keeps them on deletion).`);
  }
  if (to === 'ingress-nginx') {
    changes.push(`ingress-nginx (retired upstream in 2026-03) is rendered in ${code(after.spec.ingressNginx.namespace)}.`);
    manual.push('Point your Ingress objects at the ingress class `nginx` and DNS at its Service.');
  }
  if (to === 'none') manual.push('Nothing renders an edge any more: your own ingress must carry `traceparent` for traces to start at the edge.');
  return { env, title: `edge ${from} -> ${to}`, changes, manual: [...manual, ...cleanUp], see: EDGE_RUNBOOK };
}

function meshNote(before: Environment, after: Environment, from: 'sidecar' | 'ambient', to: 'sidecar' | 'ambient'): MigrationNote {
  const env = after.metadata.name;
  const ns = [...new Set([...applicationNamespaces(before), ...applicationNamespaces(after)])].sort();
  const nsList = ns.length ? ns.map(code).join(', ') : '(no application namespaces)';
  const changes: string[] = [];
  const manual: string[] = [];
  const restart = ns.length ? ns.map((n) => code(`kubectl rollout restart deployment,statefulset,daemonset -n ${n}`)).join('; ') : '';
  if (to === 'ambient') {
    changes.push(
      `The istio-cni and ztunnel releases are installed and istiod runs with ${code('PILOT_ENABLE_AMBIENT=true')}.`,
      `Namespace labels change from ${labels(meshEnrolmentLabels(before))} to ${labels(meshEnrolmentLabels(after))} on ${nsList}.`,
      `Each of them gets a waypoint (Gateway ${code(WAYPOINT_NAME)}, class ${code('istio-waypoint')}) with a Telemetry attached: mesh spans now come from the waypoints, not from sidecars.`,
    );
    manual.push(
      `**Restart your workloads** in ${nsList}: running pods keep their sidecars until they are recreated, and ztunnel does not capture a pod that still has one${restart ? ` (${restart})` : ''}.`,
      'Review what you own that targets sidecars: Sidecar and EnvoyFilter resources, and AuthorizationPolicies with a workload selector (L7 rules now apply at the waypoint, via targetRefs). tracestack renders none of them.',
      'Namespaces tracestack does not manage keep their own labels: move them yourself if they should join ambient.',
    );
    if (after.spec.edge.gatewayApiCrds === 'existing') manual.push(`Waypoints are Gateway API Gateways: with ${code('spec.edge.gatewayApiCrds: existing')} the cluster must have the CRDs v1.6.1.`);
  } else {
    changes.push(
      'The istio-cni and ztunnel releases and the waypoints are no longer rendered; istiod runs without ambient.',
      `Namespace labels change from ${labels(meshEnrolmentLabels(before))} to ${labels(meshEnrolmentLabels(after))} on ${nsList}.`,
    );
    manual.push(`**Restart your workloads** in ${nsList} so that istiod injects sidecars${restart ? ` (${restart})` : ''}; until then their traffic is outside the mesh and produces no mesh spans.`);
  }
  return { env, title: `Istio ${from} -> ${to}`, changes, manual, see: EDGE_RUNBOOK };
}
