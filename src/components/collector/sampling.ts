import type { Environment } from '../../model.js';
import type { K8sObject } from '../types.js';
import { PORTS, type Names } from '../names.js';

/**
 * Tail sampling in two collector tiers (spec.sampling.mode: tail).
 *
 * Tier 1 is spec.collector: it receives from the mesh, nginx and the SDKs, sets k8s.namespace.name (k8s_attributes)
 * and sends every span of a trace to the same tier-2 pod: the loadbalancing exporter with routing_key traceID
 * (open-telemetry/opentelemetry-collector-contrib v0.158.0 exporter/loadbalancingexporter/config.go RoutingKey,
 * traceIDRoutingStr "traceID").
 *
 * Tier 2 (<collector>-sampler) sees whole traces. From every span, before any sampling decision, the spanmetrics
 * and servicegraph connectors compute request rates, latencies and the service graph (servicegraph pairs the client
 * and server span of a call by trace id, so it too needs the trace-aware tier), written to Prometheus by remote
 * write. In a second pipeline the same spans go through tail_sampling and then the per-tenant routing of tier 1's
 * former configuration, so each team's kept spans still reach its tenant.
 */

/** The operator names a collector's Deployment, Service and ServiceAccount <name>-collector. */
const operatorService = (collector: string) => `${collector}-collector`;

/** Pipelines of tier 2 (the data-flow tests and the behaviour rules read them by these names). */
export const SAMPLING_PIPELINES = {
  /** receivers [otlp] -> exporters [span_metrics, service_graph]: every span, unsampled. */
  metricsFromSpans: 'traces/metrics',
  /** receivers [otlp] -> tail_sampling -> the tenants. */
  sampled: 'traces/sampled',
  /** receivers [span_metrics, service_graph] -> attributes/sampler-pod (the per-pod label) -> prometheus_remote_write. */
  metrics: 'metrics',
} as const;

export const tailSamplingOn = (env: Environment) => env.spec.collector.enabled && env.spec.sampling.mode === 'tail';

/** Tier 2's OpenTelemetryCollector name. */
export const samplerName = (env: Environment) => `${env.spec.collector.name}-sampler`;

/**
 * The headless Service the operator creates for tier 2: naming.HeadlessService = "<naming.Service>-headless",
 * naming.Service = "<name>-collector" (open-telemetry/opentelemetry-operator v0.158.0 internal/naming/main.go;
 * internal/manifests/collector/service.go HeadlessService sets ClusterIP None). Its EndpointSlices list every ready
 * tier-2 pod.
 */
export const samplerHeadlessService = (env: Environment) => `${operatorService(samplerName(env))}-headless`;

/** Role and RoleBinding that let tier 1's resolver watch tier 2's EndpointSlices. */
export const loadBalancingRoleName = (env: Environment) => `${env.spec.collector.name}-collector-loadbalancing`;

/**
 * The ServiceAccount tier 1 runs under: the k8s_attributes one with teams, else the operator's default
 * (naming.ServiceAccount = "<name>-collector", opentelemetry-operator v0.158.0 internal/naming/main.go).
 */
export const tier1ServiceAccount = (env: Environment, names: Names) => names.tenancy?.collectorServiceAccount ?? operatorService(env.spec.collector.name);

/** A duration of the spec (^[0-9]+(ms|s|m)$) in milliseconds. */
export function durationMs(d: string): number {
  const m = /^([0-9]+)(ms|s|m)$/.exec(d);
  if (!m) throw new Error(`not a duration: ${d}`);
  return Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000);
}
const msText = (ms: number) => (ms % 60_000 === 0 ? `${ms / 60_000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

/** Attributes a health-check span carries its path in: url.path (HTTP semantic conventions 1.21+) and http.target (before). */
export const HEALTH_CHECK_ATTRIBUTES = ['url.path', 'http.target'] as const;

/**
 * The loadbalancing exporter of tier 1. Resolver k8s rather than dns: it watches the EndpointSlices of tier 2's
 * headless Service (exporter/loadbalancingexporter@v0.158.0 resolver_k8s.go: DiscoveryV1().EndpointSlices(ns)
 * List/Watch with label kubernetes.io/service-name), so a tier-2 pod that starts or stops changes the ring at once
 * instead of at the next DNS poll; it needs get/list/watch on discovery.k8s.io endpointslices in that namespace
 * (README.md "RBAC requirement"), rendered by samplingRbacObjects. The service is "<name>.<namespace>": the resolver
 * splits it on dots and takes the second label as the namespace (resolver_k8s.go newK8sResolver).
 */
export function loadBalancingExporter(env: Environment): Record<string, unknown> {
  const c = env.spec.collector;
  return {
    routing_key: 'traceID',
    protocol: {
      otlp: {
        tls: { insecure: true }, // tier 2 serves plaintext OTLP/gRPC inside the cluster, as Tempo does to tier 1 today
        timeout: '10s',
      },
    },
    resolver: { k8s: { service: `${samplerHeadlessService(env)}.${c.namespace}`, ports: [PORTS.otlpGrpc] } },
    // Queue and retry at this level (not under protocol.otlp): a batch whose pod went away is re-routed over the new ring.
    sending_queue: { enabled: true, queue_size: c.sendingQueue.queueSize, num_consumers: c.sendingQueue.numConsumers },
    retry_on_failure: { enabled: true, initial_interval: '5s', max_interval: '30s', max_elapsed_time: '300s' },
  };
}

/** The namespaces of each team that has its own baseline (spec.sampling.teams), in spec.teams order. */
export function teamBaselines(env: Environment): Array<{ team: string; namespaces: string[]; percent: number }> {
  const own = env.spec.sampling.teams;
  return env.spec.teams.filter((t) => own[t.name] !== undefined).map((t) => ({ team: t.name, namespaces: [...t.namespaces], percent: own[t.name]!.baselinePercent }));
}

const namespaceIs = (name: string, namespaces: string[], invert = false) => ({
  name,
  type: 'string_attribute',
  string_attribute: { key: 'k8s.namespace.name', values: namespaces, ...(invert ? { invert_match: true } : {}) },
});
const probabilistic = (name: string, percent: number) => ({ name, type: 'probabilistic', probabilistic: { sampling_percentage: percent } });

/**
 * tail_sampling policies (processor/tailsamplingprocessor@v0.158.0 config.go PolicyCfg; processor.go: Dropped wins
 * over every other decision, then a top-level InvertNotSampled, then Sampled; internal/sampling/and.go: inside an
 * `and` an inverted non-match is a plain NotSampled, so the namespace exclusion below can never veto another policy).
 * - health checks: one `drop` policy per attribute (drop.go: Dropped when every drop_sub_policy samples), exact paths;
 * - errors: status_code [ERROR];
 * - latency: latency.threshold_ms (trace duration, first start to last end: internal/sampling/latency.go);
 * - each team with its own baseline: and [k8s.namespace.name in the team's namespaces, probabilistic];
 * - the baseline: probabilistic, in an `and` with k8s.namespace.name not in those teams' namespaces when there are any
 *   (a trace with a span in a team's namespace takes that team's share).
 * k8s.namespace.name is the resource attribute tier 1's k8s_attributes set; it travels with the spans to tier 2.
 */
export function tailSamplingPolicies(env: Environment): Array<Record<string, unknown>> {
  const p = env.spec.sampling.policies;
  const teams = teamBaselines(env);
  const excluded = teams.flatMap((t) => t.namespaces);
  return [
    ...(p.dropHealthChecks
      ? HEALTH_CHECK_ATTRIBUTES.map((key) => ({
          name: `drop-health-checks-${key.replace(/\./g, '-')}`,
          type: 'drop',
          drop: { drop_sub_policy: [{ name: `health-check-${key.replace(/\./g, '-')}`, type: 'string_attribute', string_attribute: { key, values: [...p.healthCheckPaths] } }] },
        }))
      : []),
    ...(p.errors ? [{ name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } }] : []),
    { name: 'latency', type: 'latency', latency: { threshold_ms: durationMs(p.latencyThreshold) } },
    ...teams.map((t) => ({
      name: `team-${t.team}-baseline`,
      type: 'and',
      and: { and_sub_policy: [namespaceIs(`team-${t.team}-namespaces`, t.namespaces), probabilistic(`team-${t.team}-percent`, t.percent)] },
    })),
    excluded.length
      ? { name: 'baseline', type: 'and', and: { and_sub_policy: [namespaceIs('not-a-team-with-its-own-baseline', excluded, true), probabilistic('baseline-percent', p.baselinePercent)] } }
      : probabilistic('baseline', p.baselinePercent),
  ];
}

/**
 * Span metrics named like Tempo's metrics generator, so Grafana's service-graph table and RED queries find them:
 * namespace traces.spanmetrics (connector/spanmetricsconnector@v0.158.0 factory.go DefaultNamespace is
 * "traces.span.metrics"; connector.go metricNameCalls "calls", metricNameDuration "duration") -> after the
 * remote-write exporter's Prometheus translation traces_spanmetrics_calls_total and
 * traces_spanmetrics_duration_seconds_bucket (histogram unit s). The servicegraph connector's names are fixed
 * (connector/servicegraphconnector@v0.158.0 connector.go: traces_service_graph_request_total,
 * traces_service_graph_request_failed_total, traces_service_graph_request_server/_client in seconds).
 */
export const SPANMETRICS_NAMESPACE = 'traces.spanmetrics';

/**
 * Tier 2's metric series must differ per pod. Tier 1 balances by trace id, so every tier-2 pod sees spans of every
 * service and keeps its own cumulative counter for the same series (traces_spanmetrics_calls_total{service_name,
 * span_name,...}, traces_service_graph_request_total{client,server,...}); with identical labels Prometheus would get
 * N interleaved counters as one series (out-of-order and duplicate-sample rejections, false resets in rate()).
 * Tempo's own generator adds a per-instance label for the same reason (grafana/tempo v2.10.7 and v3.0.3
 * modules/generator/registry/registry.go: externalLabels["__metrics_gen_instance"] = hostname).
 *
 * What the output carries without help (opentelemetry-collector-contrib v0.158.0): service_graph's metrics have an
 * empty resource and client/server/connection_type (+ dimensions) only (connector/servicegraphconnector connector.go
 * buildMetrics); span_metrics copies each span's resource (connector/spanmetricsconnector connector.go buildMetrics,
 * the excludeResourceMetrics gate is alpha, off) and adds collector.instance.id, a random UUID per process
 * (factory.go: the collector's resource has service.instance.id, not collector.instance.id, so it falls back to
 * uuid.NewRandom; gate includeCollectorInstanceID is beta, on). The remote-write exporter makes job/instance of the
 * resource's service.name/service.instance.id only (pkg/translator/prometheusremotewrite helper.go createAttributes),
 * i.e. the application's, the same on every tier-2 pod.
 *
 * So: one data-point attribute, the pod's name, on every metric of the metrics pipeline (processor/attributesprocessor
 * attributes_metric.go sets it on each data point), and span_metrics' collector.instance.id excluded: one per-pod
 * label for both connectors, named after something kubectl shows, that keeps its value across a container restart
 * (the counter resets within the series instead of starting a new UUID series). Not resource_to_telemetry_conversion:
 * it would copy every span resource attribute (k8s.pod.name, k8s.pod.uid, process.pid... of every application pod)
 * into the labels of span_metrics (pkg/resourcetotelemetry resource_to_telemetry.go), one series per app pod. Not the
 * exporter's external_labels: the processor's label also holds for any other metrics exporter, and the data-flow test
 * (which swaps remote write for OTLP) sees it on real collectors. Grafana's service map and APM table sum by
 * client/server and service/span, so the label aggregates away in their queries.
 *
 * Rendered whatever spec.sampling.tier2.replicas says: a rollout (surge pod beside the old one) or a manual scale
 * runs two pods even with one replica.
 */
export const SAMPLER_POD_LABEL = 'otelcol_sampler_pod';
/** The env var holding the pod's name: spec.env fieldRef metadata.name (the operator also infers POD_NAME this way). */
export const SAMPLER_POD_ENV = 'POD_NAME';
/** The attributes processor of tier 2's metrics pipeline. */
export const SAMPLER_POD_PROCESSOR = 'attributes/sampler-pod';

/**
 * Component type names: load_balancing, span_metrics, service_graph and prometheus_remote_write are the types'
 * names in collector 0.158; loadbalancing, spanmetrics, servicegraph and prometheusremotewrite are deprecated
 * aliases (opentelemetry-collector-contrib v0.158.0 metadata.yaml type / deprecated_type of each module).
 */
/** Tier 2: the trace-aware tier that computes the metrics from every span, then samples and routes to the tenants. */
export function samplerObject(
  env: Environment,
  names: Names,
  tempoExporters: Record<string, unknown>,
  tenancy: { processors: Record<string, unknown>; connectors: Record<string, unknown>; pipelines: Record<string, unknown> } | undefined,
  tenantRouting: boolean,
): K8sObject {
  const c = env.spec.collector;
  const s = env.spec.sampling;
  // The servicegraph connector keeps an unpaired client or server span this long waiting for its other half
  // (connector/servicegraphconnector@v0.158.0 config.go StoreConfig.TTL, default 2s): tier 1 batches for up to
  // batch.timeout before it sends, so the two halves of one call can arrive that far apart.
  const pairTtl = msText(Math.max(2000, 2 * durationMs(c.batch.timeout)));
  return {
    apiVersion: 'opentelemetry.io/v1beta1',
    kind: 'OpenTelemetryCollector',
    metadata: { name: samplerName(env) },
    spec: {
      // A Deployment behind the headless Service: each pod is one point of the loadbalancing ring.
      mode: 'deployment',
      replicas: s.tier2.replicas,
      resources: s.tier2.resources,
      // The pod's name for SAMPLER_POD_PROCESSOR. opentelemetry-operator v0.158.0 internal/manifests/collector/container.go
      // getInferredContainerEnvVars also adds POD_NAME from metadata.name unless spec.env names it; written here so
      // the manifest says where the value comes from (apis/v1beta1 spec.env, a list of core/v1 EnvVar).
      env: [{ name: SAMPLER_POD_ENV, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
      config: {
        receivers: { otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${PORTS.otlpGrpc}` } } } },
        processors: {
          memory_limiter: {
            check_interval: '1s',
            limit_percentage: c.memoryLimiter.limitPercentage,
            spike_limit_percentage: c.memoryLimiter.spikeLimitPercentage,
          },
          tail_sampling: { decision_wait: s.decisionWait, num_traces: s.numTraces, policies: tailSamplingPolicies(env) },
          batch: { send_batch_size: c.batch.sendBatchSize, timeout: c.batch.timeout },
          [SAMPLER_POD_PROCESSOR]: { actions: [{ key: SAMPLER_POD_LABEL, value: `\${env:${SAMPLER_POD_ENV}}`, action: 'upsert' }] },
        },
        connectors: {
          // collector.instance.id: replaced by SAMPLER_POD_LABEL (README "exclude_dimensions: ['collector.instance.id']").
          span_metrics: { namespace: SPANMETRICS_NAMESPACE, histogram: { unit: 's' }, exclude_dimensions: ['collector.instance.id'] },
          service_graph: { store: { ttl: pairTtl, max_items: 10000 } },
          ...(tenancy ? tenancy.connectors : {}),
        },
        exporters: {
          ...tempoExporters,
          prometheus_remote_write: { endpoint: names.prometheusRemoteWriteUrl },
        },
        service: {
          pipelines: {
            [SAMPLING_PIPELINES.metricsFromSpans]: { receivers: ['otlp'], processors: ['memory_limiter'], exporters: ['span_metrics', 'service_graph'] },
            [SAMPLING_PIPELINES.sampled]: {
              receivers: ['otlp'],
              processors: ['memory_limiter', 'tail_sampling', 'batch'],
              exporters: tenantRouting ? ['routing'] : Object.keys(tempoExporters),
            },
            ...(tenancy ? tenancy.pipelines : {}),
            [SAMPLING_PIPELINES.metrics]: { receivers: ['span_metrics', 'service_graph'], processors: ['memory_limiter', SAMPLER_POD_PROCESSOR, 'batch'], exporters: ['prometheus_remote_write'] },
          },
        },
      },
    },
  };
}

/** What tier 1's k8s resolver reads: EndpointSlices of tier 2's headless Service, in the collector namespace. */
export function samplingRbacObjects(env: Environment, names: Names): K8sObject[] {
  const name = loadBalancingRoleName(env);
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name },
      rules: [{ apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name: tier1ServiceAccount(env, names), namespace: env.spec.collector.namespace }],
    },
  ];
}
