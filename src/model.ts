/**
 * TypeScript view of schemas/environment.schema.json after schema defaults are applied.
 * test/schema-types.test.ts fails when this and the schema disagree.
 */
export type HelmValues = Record<string, unknown>;
export interface SecretRef { name: string }
export interface Resources {
  requests?: { cpu?: string | number; memory?: string | number };
  limits?: { cpu?: string | number; memory?: string | number };
}

export interface EnvironmentSpec {
  argocd: {
    namespace: string;
    project?: string;
    repoURL: string;
    targetRevision: string;
    destination: { server?: string; name?: string };
    syncPolicy: { automated: boolean; prune: boolean; selfHeal: boolean };
    install: { enabled: boolean; values: HelmValues };
    applicationSet: boolean;
  };
  existingNamespaces: string[];
  certManager: { enabled: boolean; namespace: string; values: HelmValues };
  istio: {
    enabled: boolean;
    install: boolean;
    existingMeshConfig?: HelmValues;
    namespace: string;
    revision?: string;
    mode: 'sidecar' | 'ambient';
    providerName: string;
    samplingPercentage: number;
    accessLog: boolean;
    istiodReplicas: number;
    baseValues: HelmValues;
    istiodValues: HelmValues;
    cniValues: HelmValues;
    ztunnelValues: HelmValues;
  };
  ingressNginx: {
    enabled: boolean;
    namespace: string;
    replicas: number;
    serviceName: string;
    sampler: 'AlwaysOn' | 'AlwaysOff' | 'TraceIdRatioBased';
    samplerRatio: number;
    parentBased: boolean;
    trustIncomingSpan: boolean;
    operationName: string;
    maxQueueSize: number;
    scheduleDelayMillis: number;
    maxExportBatchSize: number;
    values: HelmValues;
  };
  edge: {
    type?: 'istio-gateway' | 'ingress-nginx' | 'none';
    namespace: string;
    gatewayName: string;
    port: number;
    allowedRouteNamespaces: 'All' | 'Same';
    gatewayApiCrds: 'install' | 'existing';
  };
  otelOperator: { enabled: boolean; namespace: string; goInstrumentation: boolean; values: HelmValues };
  collector: {
    enabled: boolean;
    name: string;
    namespace: string;
    mode: 'deployment' | 'daemonset' | 'statefulset';
    replicas: number;
    resources: Resources;
    debugExporter: boolean;
    memoryLimiter: { limitPercentage: number; spikeLimitPercentage: number };
    batch: { sendBatchSize: number; timeout: string };
    sendingQueue: { queueSize: number; numConsumers: number };
  };
  instrumentation: {
    enabled: boolean;
    name: string;
    namespaces: string[];
    propagators: Array<'tracecontext' | 'baggage' | 'b3' | 'b3multi' | 'jaeger' | 'xray' | 'ottrace'>;
    sampler: { type: 'always_on' | 'always_off' | 'traceidratio' | 'parentbased_always_on' | 'parentbased_always_off' | 'parentbased_traceidratio'; argument: number };
  };
  tempo: {
    enabled: boolean;
    namespace: string;
    version: '2' | '3';
    retention: string;
    storage: {
      backend: 's3' | 'azure' | 'gcs';
      credentialsSecret?: SecretRef;
      workloadIdentity?: { awsRoleArn?: string; gcpServiceAccount?: string; azureClientId?: string };
      s3?: { bucket: string; endpoint: string; region?: string; insecure: boolean; forcePathStyle: boolean };
      azure?: { containerName: string; storageAccountName: string };
      gcs?: { bucketName: string };
    };
    replicas: { distributor: number; ingester: number; querier: number; queryFrontend: number; compactor: number; metricsGenerator: number; backendWorker: number };
    metricsGenerator: { enabled: boolean; processors: Array<'service-graphs' | 'span-metrics' | 'local-blocks'> };
    kafka: {
      mode: 'strimzi' | 'external';
      address?: string;
      topic: string;
      partitions: number;
      saslSecret?: SecretRef;
      strimzi: { namespace: string; profile: 'dev' | 'prod'; storageSize: string; rack?: { topologyKey: string } };
    };
    migration?: { phase: 'parallel' | 'cutover' | 'done' };
    networkPolicy: boolean;
    values: HelmValues;
  };
  prometheus: { mode: 'external' | 'deploy'; url?: string; namespace: string; retention: string; values: HelmValues };
  grafana: {
    enabled: boolean;
    namespace: string;
    adminSecret?: SecretRef;
    lokiUrl: string;
    persistence: { enabled: boolean; size: string | number };
    existingOrgIds: number[];
    values: HelmValues;
  };
  chartVersions?: Partial<Record<'argo-cd' | 'cert-manager' | 'istio' | 'otel-operator' | 'tempo' | 'tempo3' | 'strimzi' | 'kube-prometheus-stack' | 'ingress-nginx' | 'grafana', string>>;
  teams: Team[];
  sampling: Sampling;
}

/** spec.sampling: none (every span kept, as before), or tail sampling on a second, trace-aware collector tier. */
export interface Sampling {
  mode: 'none' | 'tail';
  decisionWait: string;
  numTraces: number;
  policies: {
    errors: boolean;
    latencyThreshold: string;
    baselinePercent: number;
    dropHealthChecks: boolean;
    healthCheckPaths: string[];
  };
  tier2: { replicas: number; resources: Resources };
  teams: Record<string, { baselinePercent: number }>;
}

export type TeamLanguage = 'java' | 'nodejs' | 'python' | 'dotnet';

/** A team on the shared platform: its namespaces are one Tempo tenant. */
export interface Team {
  name: string;
  namespaces: string[];
  samplingPercentage?: number;
  languages: TeamLanguage[];
  containerNames?: { java?: string[]; nodejs?: string[]; python?: string[]; dotnet?: string[] };
  retention?: string;
  metricsGeneratorProcessors?: Array<'service-graphs' | 'span-metrics' | 'local-blocks'>;
  grafanaOrgId: number;
  sourceRepos?: string[];
}

export interface Environment {
  apiVersion: 'tracestack.dev/v1alpha1';
  kind: 'Environment';
  metadata: { name: string };
  spec: EnvironmentSpec;
}
