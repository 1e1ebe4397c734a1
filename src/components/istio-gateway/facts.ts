import type { Environment } from '../../model.js';

export type EdgeKind = 'istio-gateway' | 'ingress-nginx' | 'none';

/**
 * The edge this environment renders: spec.edge.type, or for environments written before it existed, ingress-nginx
 * when spec.ingressNginx.enabled (legacy) and none otherwise.
 */
export function edgeKind(env: Environment): EdgeKind {
  const type = env.spec.edge?.type;
  if (type) return type;
  return env.spec.ingressNginx.enabled ? 'ingress-nginx' : 'none';
}
