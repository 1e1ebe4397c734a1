import { defineComponent, type K8sObject, type KustomizeUnit } from '../types.js';

/**
 * The collector's permissions (k8sattributes, the loadbalancing resolver) exist before it starts; with tail sampling
 * tier 2 (collector-sampler) runs before tier 1 sends to it.
 */
const WAVES = { collectorRbac: 9, collectorSampler: 9, collector: 10 } as const;
import { PORTS, TENANT_HEADER, type Tenancy } from '../names.js';
import { isAmbient } from '../istio/index.js';
import { edgeKind } from '../istio-gateway/facts.js';
import { loadBalancingExporter, samplerObject, samplingRbacObjects, tailSamplingOn } from './sampling.js';

/** The k8s.namespace.name resource attribute: what k8sattributes sets and the routing table reads. */
export const NAMESPACE_ATTRIBUTE = 'k8s.namespace.name';

/** OTTL condition of one routing-table row (resource context); the tests parse it back. */
export const namespaceCondition = (namespace: string) => `attributes[${JSON.stringify(NAMESPACE_ATTRIBUTE)}] == ${JSON.stringify(namespace)}`;

/**
 * Spans of a waypoint or gateway are sent by that proxy's pod, so k8s.namespace.name is the proxy's namespace, not
 * the destination's. Waypoints tag each span with the destination's namespace (istio/istio 1.30.3
 * pilot/pkg/networking/core/tracing.go buildWaypointSourceTags: istio.destination_namespace from upstream_peer_obj);
 * a gateway span carries Envoy's upstream_cluster tag (envoyproxy/envoy source/common/tracing/common_values.h
 * UpstreamCluster, set by the HTTP tracer), Istio's cluster name outbound|<port>|<subset>|<service>.<namespace>.svc.<domain>
 * (istio/istio 1.30.3 pilot/pkg/model/service.go BuildSubsetKey).
 */
export const DESTINATION_NAMESPACE_ATTRIBUTE = 'istio.destination_namespace';
export const UPSTREAM_CLUSTER_ATTRIBUTE = 'upstream_cluster';
/** OTTL conditions (span context) that file a proxy's span under its destination namespace; the tests parse them back. */
export const destinationConditions = (namespace: string) => [
  `attributes[${JSON.stringify(DESTINATION_NAMESPACE_ATTRIBUTE)}] == ${JSON.stringify(namespace)}`,
  `IsMatch(attributes[${JSON.stringify(UPSTREAM_CLUSTER_ATTRIBUTE)}], ${JSON.stringify(`^outbound\\|[0-9]+\\|[^|]*\\|[^.|]+\\.${namespace.replace(/-/g, '\\-')}\\.svc\\.`)})`,
];

/**
 * Multi-tenant wiring, all with components of the operator's default image (opentelemetry-collector-k8s):
 * drop any namespace a sender claims for itself, let k8sattributes set k8s.namespace.name from the sending pod
 * (by connection IP), then the routing connector sends each resource to the pipeline of its namespace's tenant,
 * whose exporter carries that tenant in X-Scope-OrgID. Unmatched namespaces take the default route: the platform tenant.
 */
function tenantConfig(tenancy: Tenancy, exporter: Record<string, unknown>, byDestination: boolean) {
  const exporters: Record<string, unknown> = {};
  const pipelines: Record<string, unknown> = {};
  for (const t of tenancy.tenants) {
    // gRPC metadata keys are lower case; Tempo reads the header case-insensitively.
    exporters[t.exporter] = { ...exporter, headers: { [TENANT_HEADER.toLowerCase()]: t.id } };
    pipelines[t.pipeline] = { receivers: ['routing'], exporters: [t.exporter] };
  }
  return {
    processors: {
      // A span's own resource attributes are the sender's claim; the tenant must follow where it came from.
      'resource/drop-claimed-namespace': { attributes: [{ key: NAMESPACE_ATTRIBUTE, action: 'delete' }] },
      // `k8s_attributes` is the type's name in collector 0.158; `k8sattributes` is a deprecated alias
      // (opentelemetry-collector-contrib v0.158.0 processor/k8sattributesprocessor/metadata.yaml). The operator
      // knows it under both (opentelemetry-operator v0.158.0 internal/components/processors/helpers.go).
      k8s_attributes: {
        auth_type: 'serviceAccount',
        passthrough: false,
        // Routing reads k8s.namespace.name: without waiting for the pod informer to sync, spans that arrive in the
        // first moments after a start find no pod, lose the namespace and land in the platform tenant
        // (processor/k8sattributesprocessor@v0.158.0 config.go WaitForMetadata; factory.go: timeout 10s default).
        wait_for_metadata: true,
        wait_for_metadata_timeout: '30s',
        // Before batch: the connection (the sending pod's IP) is only known here.
        pod_association: [{ sources: [{ from: 'connection' }] }],
        extract: { metadata: [NAMESPACE_ATTRIBUTE, 'k8s.pod.name', 'k8s.deployment.name', 'k8s.node.name'] },
      },
    },
    connectors: {
      routing: {
        default_pipelines: [tenancy.platform.pipeline],
        error_mode: 'ignore',
        table: [
          ...tenancy.tenants.flatMap((t) =>
            t.namespaces.map((ns) => ({ context: 'resource', condition: namespaceCondition(ns), pipelines: [t.pipeline] })),
          ),
          // With waypoints or an Istio gateway: a proxy's span goes to the tenant of the namespace it forwarded to.
          ...(byDestination
            ? tenancy.tenants.flatMap((t) =>
                t.namespaces.flatMap((ns) => destinationConditions(ns).map((condition) => ({ context: 'span', condition, pipelines: [t.pipeline] }))),
              )
            : []),
        ],
      },
    },
    exporters,
    pipelines,
    serviceAccount: tenancy.collectorServiceAccount,
  };
}

/** What k8sattributes reads: pods and namespaces, and replicasets for the deployment name. */
function rbacObjects(tenancy: Tenancy, namespace: string): K8sObject[] {
  const verbs = ['get', 'list', 'watch'];
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: tenancy.collectorServiceAccount } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: tenancy.collectorClusterRole },
      rules: [
        { apiGroups: [''], resources: ['pods', 'namespaces'], verbs },
        { apiGroups: ['apps'], resources: ['replicasets'], verbs },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: tenancy.collectorClusterRole },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: tenancy.collectorClusterRole },
      subjects: [{ kind: 'ServiceAccount', name: tenancy.collectorServiceAccount, namespace }],
    },
  ];
}

/** The OpenTelemetryCollector (v1beta1, config as an object) that fans spans in from the mesh, nginx and apps, and out to Tempo. */
export const collector = defineComponent({
  id: 'collector',
  specKey: 'collector',
  waves: WAVES,
  provides: ['collector', 'collector-rbac', 'collector-sampler', 'collector-loadbalancing-rbac'],
  platformNamespace: (env) => (env.spec.collector.enabled ? { path: 'spec.collector.namespace', namespace: env.spec.collector.namespace } : undefined),
  // a team's own collector could claim any tenant
  teamForbiddenKinds: [{ group: 'opentelemetry.io', kind: 'OpenTelemetryCollector' }],
  units(env, names) {
    const c = env.spec.collector;
    if (!c.enabled) return [];
    const exporters: Record<string, unknown> = {
      // `otlp_grpc` is the collector's current name for the OTLP/gRPC exporter (`otlp` is a deprecated alias).
      otlp_grpc: {
        endpoint: names.tempoDistributorOtlpGrpc,
        tls: { insecure: true }, // the Tempo distributor serves plaintext gRPC
        sending_queue: { enabled: true, queue_size: c.sendingQueue.queueSize, num_consumers: c.sendingQueue.numConsumers },
        retry_on_failure: { enabled: true, initial_interval: '5s', max_interval: '30s', max_elapsed_time: '300s' },
      },
    };
    if (c.debugExporter) exporters.debug = { verbosity: 'basic' };
    const byDestination = isAmbient(env) || (edgeKind(env) === 'istio-gateway' && env.spec.istio.enabled);
    const tenancy = names.tenancy ? tenantConfig(names.tenancy, exporters.otlp_grpc as Record<string, unknown>, byDestination) : undefined;
    if (tenancy) {
      // One exporter per tenant replaces the single one.
      delete exporters.otlp_grpc;
      Object.assign(exporters, tenancy.exporters);
    }
    // With tail sampling, the Tempo exporters and the tenant routing move to tier 2 (sampling.ts); tier 1 keeps
    // receiving and k8s_attributes (it sees the sending pod's connection) and balances by trace id.
    const sampling = tailSamplingOn(env);
    const tempoExporters = Object.fromEntries(Object.entries(exporters).filter(([id]) => id !== 'debug'));
    const tier1Exporters: Record<string, unknown> = sampling ? { load_balancing: loadBalancingExporter(env), ...(c.debugExporter ? { debug: exporters.debug } : {}) } : exporters;
    const tier1Processors = tenancy ? ['memory_limiter', ...Object.keys(tenancy.processors), 'batch'] : ['memory_limiter', 'batch']; // memory_limiter must come first
    const object: K8sObject = {
      apiVersion: 'opentelemetry.io/v1beta1',
      kind: 'OpenTelemetryCollector',
      metadata: { name: c.name },
      spec: {
        mode: c.mode,
        ...(c.mode === 'daemonset' ? {} : { replicas: c.replicas }),
        ...(tenancy ? { serviceAccount: tenancy.serviceAccount } : {}),
        resources: c.resources,
        config: {
          receivers: {
            otlp: {
              protocols: {
                // Written out: the collector's own default binds localhost only.
                grpc: { endpoint: `0.0.0.0:${PORTS.otlpGrpc}` },
                http: { endpoint: `0.0.0.0:${PORTS.otlpHttp}` },
              },
            },
          },
          processors: {
            memory_limiter: {
              check_interval: '1s',
              limit_percentage: c.memoryLimiter.limitPercentage,
              spike_limit_percentage: c.memoryLimiter.spikeLimitPercentage,
            },
            batch: { send_batch_size: c.batch.sendBatchSize, timeout: c.batch.timeout },
            ...(tenancy ? tenancy.processors : {}),
          },
          ...(tenancy && !sampling ? { connectors: tenancy.connectors } : {}),
          exporters: tier1Exporters,
          service: {
            pipelines: sampling
              ? { traces: { receivers: ['otlp'], processors: tier1Processors, exporters: Object.keys(tier1Exporters) } }
              : tenancy
                ? {
                    traces: {
                      receivers: ['otlp'],
                      processors: tier1Processors,
                      exporters: ['routing', ...(c.debugExporter ? ['debug'] : [])],
                    },
                    ...tenancy.pipelines,
                  }
                : {
                    traces: {
                      receivers: ['otlp'],
                      processors: tier1Processors,
                      exporters: Object.keys(exporters),
                    },
                  },
          },
        },
      },
    };
    const rbac: KustomizeUnit[] = names.tenancy
      ? [
          {
            kind: 'kustomize',
            id: 'collector-rbac',
            namespace: c.namespace,
            targetNamespaces: [c.namespace],
            objects: rbacObjects(names.tenancy, c.namespace),
            wave: WAVES.collectorRbac,
            needs: [],
            syncOptions: ['CreateNamespace=true'],
          },
        ]
      : [];
    // Tier 2 and the Role tier 1's resolver needs: units of their own, so the collector's base stays one object.
    const samplingUnits: KustomizeUnit[] = sampling
      ? [
          {
            kind: 'kustomize',
            id: 'collector-loadbalancing-rbac',
            namespace: c.namespace,
            targetNamespaces: [c.namespace],
            objects: samplingRbacObjects(env, names),
            wave: WAVES.collectorRbac,
            needs: [],
            syncOptions: ['CreateNamespace=true'],
          },
          {
            kind: 'kustomize',
            id: 'collector-sampler',
            namespace: c.namespace,
            targetNamespaces: [c.namespace],
            objects: [samplerObject(env, names, tempoExporters, tenancy, tenancy !== undefined)],
            wave: WAVES.collectorSampler,
            needs: ['otel-operator', names.tempoUnit].filter((n) => n !== names.tempoUnit || env.spec.tempo.enabled),
            syncOptions: ['SkipDryRunOnMissingResource=true', 'CreateNamespace=true'],
          },
        ]
      : [];
    return [
      ...rbac,
      ...samplingUnits,
      {
        kind: 'kustomize',
        id: 'collector',
        namespace: c.namespace,
        targetNamespaces: [c.namespace],
        objects: [object],
        wave: WAVES.collector,
        needs: ['otel-operator', names.tempoUnit, ...rbac.map((u) => u.id), ...samplingUnits.map((u) => u.id)].filter((n) => n !== names.tempoUnit || env.spec.tempo.enabled),
        syncOptions: ['SkipDryRunOnMissingResource=true', 'CreateNamespace=true'],
      },
    ];
  },
});
