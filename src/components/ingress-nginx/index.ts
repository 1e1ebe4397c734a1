import { defineComponent, type ChartDescription } from '../types.js';
import { TPL } from './tpl.js';

const WAVES = { edges: 15 } as const;
export const INGRESS_NGINX_CHART: ChartDescription = { key: 'ingress-nginx', repo: 'ingress-nginx', repoURL: 'https://kubernetes.github.io/ingress-nginx', chart: 'ingress-nginx', known: ['4.15.1'] };
import { chartFor } from '../charts.js';
import { PORTS, RELEASES } from '../names.js';
import { withPassThrough } from '../values.js';
import { edgeKind } from '../istio-gateway/facts.js';

/** ingress-nginx 4.15.1 (final release; the project was retired in March 2026) with its OpenTelemetry module on. */
export const ingressNginx = defineComponent({
  id: 'ingress-nginx',
  specKey: 'ingressNginx',
  charts: [INGRESS_NGINX_CHART],
  waves: WAVES,
  provides: ['ingress-nginx'],
  platformNamespace: (env) => (edgeKind(env) === 'ingress-nginx' ? { path: 'spec.ingressNginx.namespace', namespace: env.spec.ingressNginx.namespace } : undefined),
  passThrough: [{ at: ['ingressNginx', 'values'], chart: 'ingress-nginx', tpl: TPL, freeForm: [['controller', 'config']] /* the nginx ConfigMap */ }],
  units(env, names) {
    const n = env.spec.ingressNginx;
    if (edgeKind(env) !== 'ingress-nginx') return [];
    // The controller ConfigMap takes strings only.
    const config: Record<string, string> = {
      'enable-opentelemetry': 'true',
      'otlp-collector-host': names.collectorHost,
      'otlp-collector-port': String(PORTS.otlpGrpc),
      'otel-service-name': n.serviceName,
      'otel-sampler': n.sampler,
      'otel-sampler-ratio': String(n.samplerRatio),
      'otel-sampler-parent-based': String(n.parentBased),
      'opentelemetry-trust-incoming-span': String(n.trustIncomingSpan),
      'opentelemetry-operation-name': n.operationName,
      'otel-max-queuesize': String(n.maxQueueSize),
      'otel-schedule-delay-millis': String(n.scheduleDelayMillis),
      'otel-max-export-batch-size': String(n.maxExportBatchSize),
    };
    return [
      {
        kind: 'helm',
        id: 'ingress-nginx',
        release: RELEASES.ingressNginx,
        namespace: n.namespace,
        chart: chartFor(env, INGRESS_NGINX_CHART),
        passThrough: 'spec.ingressNginx.values',
        values: withPassThrough({ controller: { replicaCount: n.replicas, config } }, n.values),
        wave: WAVES.edges,
        needs: env.spec.collector.enabled ? ['collector'] : [],
        syncOptions: ['CreateNamespace=true'],
        argocd: true,
      },
    ];
  },
});
