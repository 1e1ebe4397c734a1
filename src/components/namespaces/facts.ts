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
  return s.revision ? { 'istio.io/rev': s.revision } : { 'istio-injection': 'enabled' };
}

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
