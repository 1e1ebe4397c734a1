import { defineComponent, type K8sObject } from '../types.js';
import { GATEWAY_API_GROUP, gatewayTelemetryObject } from '../istio/index.js';
import { edgeKind } from './facts.js';
import { gatewayApiNeeds } from '../gateway-api/facts.js';

/** The edge Gateway with the other edges (after istiod and the collector). */
const WAVES = { edges: 15 } as const;

/** Istio's GatewayClass for gateways it deploys itself (istio/istio 1.30.3 pkg/config/constants: "istio", created by istiod). */
export const EDGE_GATEWAY_CLASS = 'istio';
/** Name of the Telemetry attached to the edge Gateway. */
export const EDGE_TELEMETRY = 'edge-tracing';

/**
 * The edge Gateway: Istio's deployment controller runs an Envoy for it as <name>-istio (istio/istio 1.30.3
 * pilot/pkg/config/kube/gateway/deploymentcontroller.go). One HTTP listener; the routes (HTTPRoute) are the
 * application teams' own and not rendered here. Gateway API v1.6.1 config/crd/standard/gateway.networking.k8s.io_gateways.yaml.
 */
export function edgeGatewayObject(name: string, port: number, from: 'All' | 'Same'): K8sObject {
  return {
    apiVersion: `${GATEWAY_API_GROUP}/v1`,
    kind: 'Gateway',
    metadata: { name },
    spec: {
      gatewayClassName: EDGE_GATEWAY_CLASS,
      listeners: [{ name: 'http', port, protocol: 'HTTP', allowedRoutes: { namespaces: { from } } }],
    },
  };
}

/**
 * spec.edge type istio-gateway: a Gateway API Gateway of class istio and a Telemetry attached to it by targetRefs
 * (in the Gateway's own namespace, where istiod looks for it: pilot/pkg/model/telemetry.go applicableTelemetries).
 * Its access log is the mesh's (meshConfig.accessLogFile/accessLogFormat, with the traceparent the Loki link reads).
 */
export const istioGateway = defineComponent({
  id: 'istio-gateway',
  specKey: 'edge',
  waves: WAVES,
  provides: ['edge-gateway'],
  platformNamespace: (env) => (edgeKind(env) === 'istio-gateway' && env.spec.istio.enabled ? { path: 'spec.edge.namespace', namespace: env.spec.edge.namespace } : undefined),
  units(env, names) {
    const e = env.spec.edge;
    if (edgeKind(env) !== 'istio-gateway' || !env.spec.istio.enabled) return [];
    return [
      {
        kind: 'kustomize',
        id: 'edge-gateway',
        namespace: e.namespace,
        targetNamespaces: [e.namespace],
        wave: WAVES.edges,
        needs: [...(env.spec.istio.install ? ['istiod'] : []), ...gatewayApiNeeds(env)],
        syncOptions: ['SkipDryRunOnMissingResource=true', 'CreateNamespace=true'],
        objects: [edgeGatewayObject(e.gatewayName, e.port, e.allowedRouteNamespaces), gatewayTelemetryObject(names, EDGE_TELEMETRY, e.gatewayName)],
      },
    ];
  },
});
