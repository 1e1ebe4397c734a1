import { defineComponent, type ChartDescription, type K8sObject, type Unit } from '../types.js';
import { TPL } from './tpl.js';

const WAVES = { backends: 5 } as const;
export const TEMPO_CHART: ChartDescription = { key: 'tempo', repo: 'grafana-community', repoURL: 'https://grafana-community.github.io/helm-charts', chart: 'tempo-distributed', known: ['2.26.2'] };
/** Tempo 3 (the Kafka write path): the same chart at 3.x, pinned by its own key so 2.x and 3.x can run side by side. */
export const TEMPO3_CHART: ChartDescription = { key: 'tempo3', repo: 'grafana-community', repoURL: 'https://grafana-community.github.io/helm-charts', chart: 'tempo-distributed', known: ['3.3.0'] };
import { chartFor } from '../charts.js';
import { PORTS, RELEASES } from '../names.js';
import { kafkaBootstrap } from '../strimzi/index.js';
import { storageValues } from './storage.js';
export { storageValues, WORKLOAD_IDENTITY_ANNOTATION } from './storage.js';
export { tempoAccessPolicy } from './access.js';
import { tempoAccessPolicy } from './access.js';
import { withPassThrough } from '../values.js';
import { deepMerge } from '../../load/merge.js';
import type { Environment, EnvironmentSpec } from '../../model.js';
import type { Names } from '../names.js';

/** Tempo 2.x retention is in hours (a Go duration): 14d -> 336h. */
export function retentionHours(retention: string): string {
  const m = /^(\d+)(h|d)$/.exec(retention);
  if (!m) throw new Error(`invalid retention ${retention}`);
  return m[2] === 'd' ? `${Number(m[1]) * 24}h` : retention;
}

/**
 * The overrides Tempo 2.x gives a tenant that has no block of its own: the flag defaults registered in
 * grafana/tempo v2.10.7 modules/overrides/config.go RegisterFlagsAndApplyDefaults (zero values omitted). A
 * per_tenant_overrides block does not inherit them: modules/overrides/runtime_config_overrides.go
 * getOverridesForUser returns the tenant's block *instead of* the defaults, and loadPerTenantOverrides decodes it
 * into a zero-valued struct, so a block that only sets retention has ingestion rate and burst 0 and every push is
 * refused (RATE_LIMITED). The chart says the same: "all values must be given for each per-tenant configuration
 * block" (grafana-community/helm-charts tempo-distributed-2.26.2 values.yaml, per_tenant_overrides).
 */
export const TEMPO_BUILTIN_OVERRIDES: Record<string, unknown> = {
  ingestion: {
    rate_strategy: 'local',
    rate_limit_bytes: 15_000_000,
    burst_size_bytes: 20_000_000,
    max_traces_per_user: 10_000,
    retry_info_enabled: true,
  },
  read: { max_bytes_per_tag_values_query: 1_000_000 },
  global: { max_bytes_per_trace: 5_000_000 },
  metrics_generator: {
    generate_native_histograms: 'classic',
    native_histogram_bucket_factor: 1.1,
    native_histogram_max_bucket_number: 100,
    native_histogram_min_reset_duration: '15m',
  },
};

/**
 * Tempo 3's built-in overrides (grafana/tempo v3.0.3 modules/overrides/config.go RegisterFlagsAndApplyDefaults,
 * zero values omitted): the ingestion limits doubled to 30 MB and a new read limit
 * (pkg/traceql/lenient_extract.go DefaultMaxConditionGroupsPerTagQuery). A per-tenant block still replaces the defaults
 * wholesale (modules/overrides/runtime_config_overrides.go getOverridesForUser), so blocks are completed as for 2.x.
 */
export const TEMPO3_BUILTIN_OVERRIDES: Record<string, unknown> = {
  ingestion: {
    rate_strategy: 'local',
    rate_limit_bytes: 30_000_000,
    burst_size_bytes: 30_000_000,
    max_traces_per_user: 10_000,
    retry_info_enabled: true,
  },
  read: { max_bytes_per_tag_values_query: 1_000_000, max_condition_groups_per_tag_query: 100 },
  global: { max_bytes_per_trace: 5_000_000 },
  metrics_generator: TEMPO_BUILTIN_OVERRIDES.metrics_generator,
};

/** Built-in overrides of the Tempo major a release runs. */
export const builtinOverrides = (version: '2' | '3') => (version === '3' ? TEMPO3_BUILTIN_OVERRIDES : TEMPO_BUILTIN_OVERRIDES);

/**
 * The exemplar label the metrics generator writes the trace id under (overrides metrics_generator.
 * trace_id_label_name; empty means "traceID": grafana/tempo v2.10.7 modules/generator/registry/histogram.go
 * newHistogram). Set explicitly, and Grafana's Prometheus datasource maps the same name.
 */
export const EXEMPLAR_TRACE_ID_LABEL = 'trace_id';
export const TEMPO_DEFAULT_TRACE_ID_LABEL = 'traceID';

/**
 * Complete per-tenant blocks: Tempo's built-in defaults, then the rendered (and user-merged) defaults block,
 * then what the team sets, then the user's own pass-through block for that tenant. Every block in
 * per_tenant_overrides is completed, also one the user wrote by hand (or the "*" wildcard).
 */
function completeTenantBlocks(values: Record<string, unknown>, teamBlocks: Record<string, Record<string, unknown>>, builtin: Record<string, unknown> = TEMPO_BUILTIN_OVERRIDES): void {
  const overrides = (values.overrides ?? {}) as Record<string, unknown>;
  const defaults = (overrides.defaults ?? {}) as Record<string, unknown>;
  const own = (values.per_tenant_overrides ?? {}) as Record<string, Record<string, unknown>>;
  const ids = [...new Set([...Object.keys(teamBlocks), ...Object.keys(own)])];
  if (!ids.length) return;
  const base = deepMerge(builtin, defaults);
  values.per_tenant_overrides = Object.fromEntries(ids.map((id) => [id, deepMerge(deepMerge(base, teamBlocks[id] ?? {}), own[id] ?? {})]));
}

/**
 * With teams, every component requires X-Scope-OrgID; a team that sets its own retention or processors gets a
 * per_tenant_overrides block keyed by its tenant id (from names.tenancy, like the collector's headers).
 */
function teamBlocks(s: EnvironmentSpec, names: Names, extra: Record<string, unknown> = {}): Record<string, Record<string, unknown>> {
  const blocks: Record<string, Record<string, unknown>> = {};
  if (!names.tenancy) return blocks;
  for (const tenant of names.tenancy.tenants) {
    const team = s.teams.find((t) => t.name === tenant.team);
    if (!team || (team.retention === undefined && team.metricsGeneratorProcessors === undefined)) continue;
    blocks[tenant.id] = deepMerge(
      {
        ...(s.tempo.metricsGenerator.enabled && team.metricsGeneratorProcessors ? { metrics_generator: { processors: generatorProcessors(s, team.metricsGeneratorProcessors) } } : {}),
        ...(team.retention ? { compaction: { block_retention: retentionHours(team.retention) } } : {}),
      },
      extra,
    );
  }
  return blocks;
}

/** Which Tempo releases an environment renders: 2.x, 3.x or (during a migration) both. */
export function tempoReleases(t: EnvironmentSpec['tempo']): { v2: boolean; v3: boolean } {
  if (t.version === '2') return { v2: true, v3: false };
  const phase = t.migration?.phase;
  return { v2: phase === 'parallel' || phase === 'cutover', v3: true };
}

/**
 * Where an environment stands on the way from Tempo 2 to 3: '2' (2.x only), a migration phase, or '3' (Tempo 3 with
 * no migration: created on 3.x, or the migration block removed after done, which renders the same). In order: a
 * state may move one step forward (parallel -> cutover -> done), never back from done or '3' (no downgrade).
 */
export type TempoState = '2' | 'parallel' | 'cutover' | 'done' | '3';
export const TEMPO_STATES: readonly TempoState[] = ['2', 'parallel', 'cutover', 'done', '3'];
/** The step of a state: done and '3' are the same step (both render Tempo 3 alone). */
export const tempoStep = (s: TempoState) => Math.min(TEMPO_STATES.indexOf(s), 3);
export function tempoState(t: EnvironmentSpec['tempo']): TempoState | undefined {
  if (!t.enabled) return undefined;
  return t.version === '2' ? '2' : (t.migration?.phase ?? '3');
}
/**
 * The helmfile label on the tempo3 release that records the migration phase an environment was generated at: the
 * committed output is the record the next generate reads back (src/write/tempo-record.ts), so a phase cannot be
 * skipped. (helmfile release labels: https://helmfile.readthedocs.io "Labels Overview", selectable with -l.)
 */
export const MIGRATION_LABEL = 'tempo-migration';

/** What the last generate recorded for an environment (read by src/write/tempo-record.ts), and the file that says so. */
export interface TempoRecord {
  state: TempoState;
  /** e.g. out/prod/helmfile.yaml */
  file: string;
}

/**
 * While 2.x still runs on the same bucket (migration phases parallel and cutover) only its compactor may compact:
 * Tempo 3 runs with compaction_disabled in the defaults and in every per-tenant block, as overrides do not inherit
 * (grafana/tempo v3.0.3 docs/sources/tempo/set-up-for-tracing/setup-tempo/migrate-to-3.md "Disable compaction
 * during parallel operation"; modules/overrides/config.go CompactionOverrides.compaction_disabled).
 */
export const tempo3CompactionDisabled = (t: EnvironmentSpec['tempo']) => t.version === '3' && tempoReleases(t).v2;

/** Where Tempo 3 reaches Kafka: the Strimzi bootstrap Service, or the external address. */
export function kafkaAddress(env: Environment): string {
  const k = env.spec.tempo.kafka;
  return k.mode === 'strimzi' ? kafkaBootstrap(env) : (k.address ?? '');
}

/** Env variables with the Kafka SASL credentials, from the existing Secret (Tempo expands them: -config.expand-env). */
const SASL_ENV = { username: 'KAFKA_SASL_USERNAME', password: 'KAFKA_SASL_PASSWORD' } as const;

/**
 * With tail sampling the generator would only see the kept spans: its service graph and span metrics would shrink
 * with the sample (Grafana Tempo docs, metrics-generator: sample after generating metrics). Tier 2 of the collector
 * computes both from every span instead (components/collector/sampling.ts), so here they are left out; local-blocks
 * (TraceQL metrics over stored traces) stays.
 */
export const TRACE_DERIVED_PROCESSORS: readonly string[] = ['service-graphs', 'span-metrics'];
function generatorProcessors(s: EnvironmentSpec, processors: string[]): string[] {
  return s.collector.enabled && s.sampling.mode === 'tail' ? processors.filter((p) => !TRACE_DERIVED_PROCESSORS.includes(p)) : processors;
}

function metricsGeneratorValues(env: Environment, names: Names): Record<string, unknown> {
  const t = env.spec.tempo;
  return t.metricsGenerator.enabled
    ? { enabled: true, replicas: t.replicas.metricsGenerator, config: { storage: { remote_write: [{ url: names.prometheusRemoteWriteUrl, send_exemplars: true }] } } }
    : { enabled: false };
}

function defaultOverrides(t: EnvironmentSpec['tempo'], processors: string[]): Record<string, unknown> {
  return {
    compaction: { block_retention: retentionHours(t.retention) },
    ...(t.metricsGenerator.enabled ? { metrics_generator: { processors, trace_id_label_name: EXEMPLAR_TRACE_ID_LABEL } } : {}),
  };
}

/** tempo-distributed 2.26.2 values: distributor, ingester, compactor on object storage. */
function tempo2Values(env: Environment, names: Names): Record<string, unknown> {
  const t = env.spec.tempo;
  const r = t.replicas;
  return {
    fullnameOverride: RELEASES.tempo, // stable Service names: tempo-distributor, tempo-query-frontend
    traces: { otlp: { grpc: { enabled: true }, http: { enabled: true } } },
    ...storageValues(t.storage),
    distributor: { replicas: r.distributor },
    // Replication factor 3 needs at least 3 ingesters; with fewer, writes would fail.
    ingester: { replicas: r.ingester, config: { replication_factor: r.ingester >= 3 ? 3 : 1 } },
    querier: { replicas: r.querier },
    queryFrontend: { replicas: r.queryFrontend },
    compactor: { replicas: r.compactor, config: { compaction: { block_retention: retentionHours(t.retention) } } },
    metricsGenerator: metricsGeneratorValues(env, names),
    // Without processors in the overrides the generator runs but emits nothing (empty service graph). The retention
    // is also a default override, so a tenant block inherits it when completed.
    overrides: { defaults: defaultOverrides(t, generatorProcessors(env.spec, t.metricsGenerator.processors)) },
    ...(names.tenancy ? { multitenancyEnabled: true } : {}),
  };
}

/**
 * tempo-distributed 3.3.0 values (Tempo 3.0.3), each consumed by the chart's templates at that tag
 * (grafana-community/helm-charts charts/tempo-distributed): ingest.kafka.* -> values.yaml `config` (ingest block);
 * blockBuilder/liveStore/backendWorker/distributor/querier/queryFrontend replicas -> templates/<component>/statefulset|
 * deployment; backendScheduler.config.provider.compaction.compaction.block_retention -> `config` (backend_scheduler);
 * tempo.structuredConfig -> templates/_helpers.tpl tempo.calculatedConfig (merged over the rendered config).
 */
function tempo3Values(env: Environment, names: Names): Record<string, unknown> {
  const t = env.spec.tempo;
  const r = t.replicas;
  const k = t.kafka;
  const storage = storageValues(t.storage) as Record<string, Record<string, unknown>>;
  const sasl = k.mode === 'external' ? k.saslSecret?.name : undefined;
  // One list of env sources and args for every pod: the bucket's Secret and the Kafka credentials Secret.
  const global = { ...(storage.global ?? {}) } as Record<string, unknown>;
  if (sasl) {
    global.extraEnvFrom = [...((global.extraEnvFrom as unknown[]) ?? []), { secretRef: { name: sasl } }];
    const args = (global.extraArgs as string[] | undefined) ?? [];
    global.extraArgs = args.includes('-config.expand-env=true') ? args : [...args, '-config.expand-env=true'];
  }
  const processors = generatorProcessors(env.spec, t.metricsGenerator.processors).filter((p) => p !== 'local-blocks');
  return {
    fullnameOverride: RELEASES.tempo3, // Services tempo3-distributor, tempo3-query-frontend: beside 2.x's tempo-*
    traces: { otlp: { grpc: { enabled: true }, http: { enabled: true } } },
    ...storage,
    ...(Object.keys(global).length ? { global } : {}),
    distributor: { replicas: r.distributor },
    // The topic: created by Strimzi's topic operator (mode strimzi), else by Tempo with this many partitions
    // (grafana/tempo v3.0.3 pkg/ingest/config.go auto_create_topic_*).
    ingest: { kafka: { address: kafkaAddress(env), topic: k.topic, auto_create_topic_enabled: k.mode === 'external', auto_create_topic_default_partitions: k.partitions } },
    ...(sasl ? { tempo: { structuredConfig: { ingest: { kafka: { sasl_username: `\${${SASL_ENV.username}}`, sasl_password: `\${${SASL_ENV.password}}` } } } } } : {}),
    // One block-builder and one live-store per partition (chart values.yaml blockBuilder/liveStore, UPGRADE.md).
    blockBuilder: { replicas: k.partitions },
    liveStore: { replicas: k.partitions },
    querier: { replicas: r.querier },
    queryFrontend: { replicas: r.queryFrontend },
    backendScheduler: { config: { provider: { compaction: { compaction: { block_retention: retentionHours(t.retention) } } } } },
    backendWorker: { replicas: r.backendWorker },
    metricsGenerator: metricsGeneratorValues(env, names),
    overrides: {
      defaults: deepMerge(defaultOverrides(t, processors), tempo3CompactionDisabled(t) ? { compaction: { compaction_disabled: true } } : {}),
    },
    ...(names.tenancy ? { multitenancyEnabled: true } : {}),
  };
}

/** Grafana Tempo: tempo-distributed 2.x (ingesters, compactor) or 3.x (Kafka write path), or both while migrating. */
export const tempo = defineComponent({
  id: 'tempo',
  specKey: 'tempo',
  charts: [TEMPO_CHART, TEMPO3_CHART],
  waves: WAVES,
  provides: ['tempo', 'tempo3', 'tempo-access'],
  platformNamespace: (env) => (env.spec.tempo.enabled ? { path: 'spec.tempo.namespace', namespace: env.spec.tempo.namespace } : undefined),
  passThrough: [
    // Tempo's own configuration: per-tenant and default overrides, and each component's config block
    { at: ['tempo', 'values'], chart: 'tempo', tpl: TPL, freeForm: [['overrides'], ['per_tenant_overrides'], ['*', 'config'], ['global_overrides']] },
  ],
  units(env, names) {
    const t = env.spec.tempo;
    if (!t.enabled) return [];
    const { v2, v3 } = tempoReleases(t);
    const generator = t.metricsGenerator.enabled;
    const deps = env.spec.prometheus.mode === 'deploy' && generator ? ['prometheus'] : [];
    const units: Unit[] = [];
    if (v2) {
      const merged = withPassThrough(tempo2Values(env, names), t.version === '2' ? t.values : {});
      completeTenantBlocks(merged, teamBlocks(env.spec, names));
      units.push({ kind: 'helm', id: 'tempo', release: RELEASES.tempo, namespace: t.namespace, chart: chartFor(env, TEMPO_CHART), ...(t.version === '2' ? { passThrough: 'spec.tempo.values' } : {}), values: merged, wave: WAVES.backends, needs: deps, syncOptions: ['CreateNamespace=true'], argocd: true });
    }
    if (v3) {
      const merged = withPassThrough(tempo3Values(env, names), t.values);
      completeTenantBlocks(merged, teamBlocks(env.spec, names, tempo3CompactionDisabled(t) ? { compaction: { compaction_disabled: true } } : {}), TEMPO3_BUILTIN_OVERRIDES);
      const kafka = t.kafka.mode === 'strimzi' ? ['kafka'] : [];
      units.push({ kind: 'helm', id: 'tempo3', release: RELEASES.tempo3, ...(t.migration ? { labels: { [MIGRATION_LABEL]: t.migration.phase } } : {}), namespace: t.namespace, chart: chartFor(env, TEMPO3_CHART), passThrough: 'spec.tempo.values', values: merged, wave: WAVES.backends, needs: [...deps, ...kafka], syncOptions: ['CreateNamespace=true'], argocd: true });
    }
    if (t.networkPolicy) {
      units.push({ kind: 'kustomize', id: 'tempo-access', namespace: t.namespace, targetNamespaces: [t.namespace], wave: WAVES.backends, needs: [v2 ? 'tempo' : 'tempo3'], objects: [tempoAccessPolicy(env)] });
    }
    return units;
  },
});
