import type { Environment } from '../../model.js';

/** Unit id and helmfile release of the Gateway API standard CRDs (spec.edge.gatewayApiCrds: install). */
export const GATEWAY_API_CRDS = 'gateway-api-crds';

/**
 * The need of a unit that renders Gateway API objects on the CRD unit: there when tracestack installs the CRDs
 * (the gateway-api component renders its unit wherever a Gateway is rendered), none when the cluster has them.
 */
export const gatewayApiNeeds = (env: Environment): string[] => (env.spec.edge.gatewayApiCrds === 'install' ? [GATEWAY_API_CRDS] : []);
