import type { Environment } from '../../model.js';
import { edgeKind } from '../../components/istio-gateway/facts.js';

const ptr = (...parts: string[]) => '/' + parts.join('/');

/** The README section that walks a user from ingress-nginx to the Istio gateway (and sidecar to ambient). */
export const EDGE_RUNBOOK = 'README "Runbook: ingress-nginx -> istio-gateway, sidecar -> ambient"';

type At = (pointer: string, code: string, message: string, suggestion?: string, severity?: 'error' | 'warning', preferKey?: boolean) => void;

/**
 * ingress-nginx is retired: kubernetes/ingress-nginx README.md "Ingress NGINX Retirement" (main at dbb11b9, 2026-03-20:
 * best-effort maintenance until March 2026, then no further releases or security fixes; new users are pointed to a
 * Gateway API implementation). tracestack still renders it (chart 4.15.1, the last release) and says so once per environment, at the field that chose it: spec.edge.type,
 * or the legacy spec.ingressNginx.enabled. A warning: the exit code stays 0.
 */
export function checkEdge(env: Environment, at: At): void {
  if (edgeKind(env) !== 'ingress-nginx') return;
  const pointer = env.spec.edge?.type === 'ingress-nginx' ? ptr('spec', 'edge', 'type') : ptr('spec', 'ingressNginx', 'enabled');
  at(
    pointer,
    'deprecated-ingress-nginx',
    `ingress-nginx was retired in 2026-03 (no further releases or security fixes); move to edge.type: istio-gateway, see ${EDGE_RUNBOOK}`,
    env.spec.istio.enabled
      ? 'Set: spec.edge.type: istio-gateway (and remove spec.ingressNginx.enabled); then rewrite your Ingress objects as HTTPRoutes attached to the edge Gateway.'
      : 'Enable Istio (spec.istio.enabled: true) and set: spec.edge.type: istio-gateway (and remove spec.ingressNginx.enabled).',
    'warning',
  );
}
