import type { Environment } from '../../model.js';

/** Namespaces every cluster has: nothing needs to create them. */
export const ALWAYS_PRESENT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;

/**
 * Where the units that only carry Namespace objects are "installed" (Argo CD destination, helmfile release
 * namespace and Helm release record): a namespace that always exists, so the release never ships the namespace
 * it installs into (helmfile createNamespace would then fail with "already exists").
 */
export const NAMESPACE_UNIT_HOME = 'default';

/**
 * The label that enrols a namespace in the sidecar mesh, as istiod's injection webhook selects it
 * (istio/istio 1.30.3 manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml): the
 * default revision matches `istio-injection=enabled` (the "namespace." webhook, rendered only when
 * .Values.revision is empty); a revision matches `istio.io/rev=<revision>` (the "rev.namespace." webhook).
 * The chart's sidecarInjectorWebhook.enableNamespacesByDefault is false, so unlabelled namespaces get no sidecar.
 */
export function meshEnrolmentLabels(env: Environment): Record<string, string> {
  const s = env.spec.istio;
  if (!s.enabled) return {};
  if (s.mode === 'ambient') return AMBIENT_ENROLMENT;
  return s.revision ? { 'istio.io/rev': s.revision } : { 'istio-injection': 'enabled' };
}

/** The waypoint (a Gateway of class istio-waypoint) every ambient application namespace gets: one per namespace. */
export const WAYPOINT_NAME = 'waypoint';

/**
 * Ambient enrolment of an application namespace: ztunnel captures the pods of namespaces labelled
 * istio.io/dataplane-mode=ambient (istio/istio 1.30.3 manifests/charts/istio-cni/values.yaml ambient.enablementSelectors,
 * rendered into the CNI ConfigMap by templates/configmap-cni.yaml AMBIENT_ENABLEMENT_SELECTOR), and sends the
 * namespace's service traffic through the waypoint named by istio.io/use-waypoint, as `istioctl waypoint apply
 * --enroll-namespace` labels it (istio/istio 1.30.3 istioctl/pkg/waypoint/waypoint.go, label.IoIstioUseWaypoint;
 * cni/README.md for the dataplane-mode label). ztunnel is L4 only: without a waypoint an ambient namespace
 * produces no spans, so every application namespace names its own waypoint.
 */
export const AMBIENT_ENROLMENT: Readonly<Record<string, string>> = { 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': WAYPOINT_NAME };

/** Application namespaces: the shared Instrumentation's and the teams'. These are enrolled in the mesh. */
export function applicationNamespaces(env: Environment): string[] {
  const s = env.spec;
  const shared = s.instrumentation.enabled ? s.instrumentation.namespaces : [];
  return [...new Set([...shared, ...(s.teams ?? []).flatMap((t) => t.namespaces)])].sort();
}

/** Namespaces the user declared as existing (tracestack never creates them) plus those every cluster has. */
export function existingNamespaces(env: Environment): Set<string> {
  return new Set([...ALWAYS_PRESENT_NAMESPACES, ...(env.spec.existingNamespaces ?? [])]);
}
