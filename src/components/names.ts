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
  istioCni: 'istio-cni',
  ztunnel: 'ztunnel',
  otelOperator: 'opentelemetry-operator',
  tempo: 'tempo',
  /** Tempo 3 (tempo-distributed 3.x): its own release, so it can run beside 2.x during a migration. */
  tempo3: 'tempo3',
  strimzi: 'strimzi-kafka-operator',
  prometheus: 'kube-prometheus-stack',
  ingressNginx: 'ingress-nginx',
  grafana: 'grafana',
} as const;

export const DATASOURCE_UIDS = { tempo: 'tempo', loki: 'loki', prometheus: 'prometheus' } as const;

/** Tempo's tenant header: the collector sends it, Grafana's team datasources query with it. */
export const TENANT_HEADER = 'X-Scope-OrgID';
/** The tenant of spans from namespaces that belong to no team (ingress, mesh gateways, the platform itself). */
export const PLATFORM_TENANT = 'platform';

/**
 * One Tempo tenant: who writes into it (the namespaces the collector routes to it, or the default route) and the
 * Grafana datasource that reads it. The collector, Tempo and Grafana all take their tenant ids from here.
 */
export interface Tenant {
  id: string;
  /** The team, or undefined for the platform tenant. */
  team?: string;
  /** Namespaces whose spans go to this tenant; empty for the platform tenant (it takes everything else). */
  namespaces: string[];
  /** Collector pipeline and exporter that carry this tenant's spans to Tempo. */
  pipeline: string;
  exporter: string;
  datasourceUid: string;
  datasourceName: string;
}

export interface Tenancy {
  /** The platform tenant first, then the teams in file order. */
  tenants: Tenant[];
  platform: Tenant;
  /** Tenant of a namespace as the collector assigns it. */
  tenantOf(namespace: string): Tenant;
  collectorServiceAccount: string;
  collectorClusterRole: string;
  teamProject(team: string): string;
  teamUnit(team: string): string;
  teamNamespacesUnit(team: string): string;
  teamSamplingUnit(team: string): string;
  /** Name of the namespace-wide Telemetry that overrides sampling in a team namespace. */
  teamTelemetryName: string;
}

export interface Names {
  env: string;
  clusterDomain: string;
  argoProject: string;
  appName(component: string): string;
  collectorService: string;
  collectorHost: string;
  collectorOtlpHttpEndpoint: string;
  tempoFullname: string;
  /** The Tempo unit collectors write to and Grafana reads (tempo, or tempo3 once Tempo 3 takes the traffic). */
  tempoUnit: 'tempo' | 'tempo3';
  tempoDistributorOtlpGrpc: string;
  tempoQueryFrontendUrl: string;
  prometheusUrl: string;
  prometheusRemoteWriteUrl: string;
  istioProvider: string;
  datasourceUids: typeof DATASOURCE_UIDS;
  /** Present when spec.teams is not empty: Tempo runs multi-tenant. */
  tenancy?: Tenancy;
}

export function deriveNames(env: Environment): Names {
  const s = env.spec;
  const clusterDomain = 'cluster.local';
  const svc = (name: string, ns: string) => `${name}.${ns}.svc.${clusterDomain}`;
  const collectorService = `${s.collector.name}-collector`; // the operator appends -collector
  const collectorHost = svc(collectorService, s.collector.namespace);
  // The release that takes the traffic: 2.x, and 2.x still while 3.x runs beside it (migration phase parallel).
  const tempoUnit = s.tempo.version === '3' && s.tempo.migration?.phase !== 'parallel' ? 'tempo3' : 'tempo';
  const tempoFullname = RELEASES[tempoUnit]; // fullnameOverride in the Tempo values
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
    tempoUnit,
    tempoDistributorOtlpGrpc: `${svc(`${tempoFullname}-distributor`, s.tempo.namespace)}:${PORTS.otlpGrpc}`,
    tempoQueryFrontendUrl: `http://${svc(`${tempoFullname}-query-frontend`, s.tempo.namespace)}:${PORTS.tempoHttp}`,
    prometheusUrl,
    prometheusRemoteWriteUrl: `${prometheusUrl}/api/v1/write`,
    istioProvider: s.istio.providerName,
    datasourceUids: DATASOURCE_UIDS,
    tenancy: deriveTenancy(env, s.argocd.project ?? `tracestack-${env.metadata.name}`),
  };
}

function deriveTenancy(env: Environment, argoProject: string): Tenancy | undefined {
  const teams = env.spec.teams ?? [];
  if (teams.length === 0) return undefined;
  const c = env.spec.collector;
  const tenant = (id: string, team: string | undefined, namespaces: string[]): Tenant => ({
    id,
    team,
    namespaces: [...namespaces],
    pipeline: `traces/${id}`,
    exporter: `otlp_grpc/${id}`,
    // The platform datasource keeps the uid every link already uses.
    datasourceUid: team === undefined ? DATASOURCE_UIDS.tempo : `${DATASOURCE_UIDS.tempo}-${id}`,
    datasourceName: team === undefined ? 'Tempo' : `Tempo (${team})`,
  });
  const platform = tenant(PLATFORM_TENANT, undefined, []);
  // A team's tenant id is its name; validation rejects a team named like the platform tenant.
  const tenants = [platform, ...teams.map((t) => tenant(t.name, t.name, t.namespaces))];
  const byNamespace = new Map(tenants.flatMap((t) => t.namespaces.map((ns) => [ns, t] as const)));
  return {
    tenants,
    platform,
    tenantOf: (ns) => byNamespace.get(ns) ?? platform,
    collectorServiceAccount: `${c.name}-collector-k8sattributes`,
    collectorClusterRole: `${c.namespace}-${c.name}-collector-k8sattributes`,
    teamProject: (team) => `${argoProject}-${team}`,
    teamUnit: (team) => `team-${team}`,
    teamNamespacesUnit: (team) => `team-${team}-namespaces`,
    teamSamplingUnit: (team) => `team-${team}-sampling`,
    teamTelemetryName: 'tracestack-team-sampling',
  };
}
