import type { Environment } from '../model.js';

/**
 * Every name one component uses to reach another is derived here, once. Components read these fields and
 * never spell a service name, port or uid themselves.
 */
export const PORTS = {
  otlpGrpc: 4317,
  otlpHttp: 4318,
  tempoHttp: 3200,
  prometheus: 9090,
} as const;

/** Release names double as Helm fullnames, so Service names below follow from them. */
export const RELEASES = {
  argocd: 'argo-cd',
  certManager: 'cert-manager',
  istioBase: 'istio-base',
  istiod: 'istiod',
  otelOperator: 'opentelemetry-operator',
  tempo: 'tempo',
  prometheus: 'kube-prometheus-stack',
  ingressNginx: 'ingress-nginx',
  grafana: 'grafana',
} as const;

export const DATASOURCE_UIDS = { tempo: 'tempo', loki: 'loki', prometheus: 'prometheus' } as const;

export interface Names {
  env: string;
  clusterDomain: string;
  argoProject: string;
  appName(component: string): string;
  collectorService: string;
  collectorHost: string;
  collectorOtlpHttpEndpoint: string;
  tempoFullname: string;
  tempoDistributorOtlpGrpc: string;
  tempoQueryFrontendUrl: string;
  prometheusUrl: string;
  prometheusRemoteWriteUrl: string;
  istioProvider: string;
  datasourceUids: typeof DATASOURCE_UIDS;
}

export function deriveNames(env: Environment): Names {
  const s = env.spec;
  const clusterDomain = 'cluster.local';
  const svc = (name: string, ns: string) => `${name}.${ns}.svc.${clusterDomain}`;
  const collectorService = `${s.collector.name}-collector`; // the operator appends -collector
  const collectorHost = svc(collectorService, s.collector.namespace);
  const tempoFullname = RELEASES.tempo; // fullnameOverride in the Tempo values
  // kube-prometheus-stack names its Prometheus Service <release>-prometheus.
  const prometheusUrl =
    s.prometheus.mode === 'deploy'
      ? `http://${svc(`${RELEASES.prometheus}-prometheus`, s.prometheus.namespace)}:${PORTS.prometheus}`
      : // validation requires the URL wherever something uses it (crosschecks: prometheus-url)
        (s.prometheus.url ?? '');
  return {
    env: env.metadata.name,
    clusterDomain,
    argoProject: s.argocd.project ?? `tracestack-${env.metadata.name}`,
    appName: (component) => `${env.metadata.name}-${component}`,
    collectorService,
    collectorHost,
    collectorOtlpHttpEndpoint: `http://${collectorHost}:${PORTS.otlpHttp}`,
    tempoFullname,
    tempoDistributorOtlpGrpc: `${svc(`${tempoFullname}-distributor`, s.tempo.namespace)}:${PORTS.otlpGrpc}`,
    tempoQueryFrontendUrl: `http://${svc(`${tempoFullname}-query-frontend`, s.tempo.namespace)}:${PORTS.tempoHttp}`,
    prometheusUrl,
    prometheusRemoteWriteUrl: `${prometheusUrl}/api/v1/write`,
    istioProvider: s.istio.providerName,
    datasourceUids: DATASOURCE_UIDS,
  };
}
