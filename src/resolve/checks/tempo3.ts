import type { Diagnostic } from '../../diagnostics.js';
import type { LoadedEnvironment } from '../../load/environments.js';
import { isPlainObject } from '../../load/merge.js';
import type { Environment } from '../../model.js';
import { tempoState, tempoStep, type TempoRecord, type TempoState } from '../../components/tempo/index.js';

const ptr = (...parts: Array<string | number>) => '/' + parts.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/**
 * Tempo 3 checks, each the refusal of a program the output feeds:
 * - grafana-community/helm-charts tempo-distributed-3.3.0 templates/validate.yaml: ingest.kafka.address required when
 *   blockBuilder or liveStore is enabled; minio.enabled refused (the subchart is gone).
 * - the same chart's values.yaml and UPGRADE.md: block-builder and live-store replicas equal the partition count.
 * - grafana/tempo v3.0.3: no ingester or compactor (UPGRADE.md "Architecture changes"); the local-blocks processor
 *   is removed (docs/sources/tempo/set-up-for-tracing/setup-tempo/migrate-to-3.md "Metrics-generator",
 *   cmd/tempo-cli/cmd-migrate-config.go cleanLocalBlocks); Kafka auth is SASL PLAIN only and there is no TLS
 *   option (pkg/ingest/config.go KafkaConfig, writer_client.go).
 * - the migration's phases in order, against the phase the committed output records (migrate-to-3.md: deploy 3.0
 *   beside 2.x, switch traffic, clean up 2.x; no downgrade).
 */
type At = (pointer: string, code: string, message: string, suggestion?: string, severity?: 'error' | 'warning', preferKey?: boolean) => void;

export function checkTempo3(loaded: LoadedEnvironment, env: Environment, at: At, previous?: TempoRecord): void {
  const t = env.spec.tempo;
  if (!t.enabled) return;
  const doc = loaded.document as Record<string, unknown>;
  const read = (pointer: string) => pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).reduce<unknown>((o, k) => (isPlainObject(o) ? o[k] : undefined), doc);
  const written = (pointer: string) => read(pointer) !== undefined;
  const m = t.migration;

  if (t.version === '2') {
    if (m) at(ptr('spec', 'tempo', 'migration'), 'tempo-migration', 'spec.tempo.migration moves an environment to Tempo 3, but spec.tempo.version is 2', 'Set: spec.tempo.version: "3"  (or remove spec.tempo.migration)', 'error', true);
    for (const f of ['kafka', 'replicas/backendWorker']) {
      const p = `/spec/tempo/${f}`;
      if (written(p)) at(p, 'tempo-version-field', `spec.tempo.${f.replace('/', '.')} is a Tempo 3 setting; this environment renders Tempo 2`, 'Set: spec.tempo.version: "3"  (or remove the field)', 'error', true);
    }
    checkMigrationOrder(env, previous, at);
    return;
  }

  // Tempo 3 only from here.
  for (const f of ['ingester', 'compactor']) {
    const p = ptr('spec', 'tempo', 'replicas', f);
    if (written(p) && !(m && m.phase !== 'done')) at(p, 'tempo-version-field', `spec.tempo.replicas.${f}: Tempo 3 has no ${f} (tempo-distributed 3.3.0 UPGRADE.md: ingester removed, compactor replaced by backend-scheduler and backend-worker)`, f === 'ingester' ? 'Remove it: spec.tempo.kafka.partitions sets the block-builders and live-stores.' : 'Remove it: set spec.tempo.replicas.backendWorker instead.', 'error', true);
  }
  const removed = (list: unknown, pointer: string) => {
    const i = Array.isArray(list) ? list.indexOf('local-blocks') : -1;
    if (i >= 0) at(ptr(...pointer.split('/').slice(1), i), 'tempo3-removed-processor', 'the local-blocks processor is removed in Tempo 3 (block-builders write the blocks TraceQL metrics read)', 'Remove local-blocks from the list (grafana/tempo v3.0.3 migrate-to-3.md "Metrics-generator").');
  };
  if (written('/spec/tempo/metricsGenerator/processors')) removed(t.metricsGenerator.processors, '/spec/tempo/metricsGenerator/processors');
  else if (t.metricsGenerator.processors.includes('local-blocks')) removed(t.metricsGenerator.processors, '/spec/tempo/metricsGenerator/processors');
  (env.spec.teams ?? []).forEach((team, i) => removed(team.metricsGeneratorProcessors, `/spec/teams/${i}/metricsGeneratorProcessors`));

  const k = t.kafka;
  if (k.mode === 'external' && !k.address) {
    at(ptr('spec', 'tempo', 'kafka'), 'kafka-address', 'Tempo 3 writes through Kafka and spec.tempo.kafka.address is missing (tempo-distributed 3.3.0 templates/validate.yaml refuses to render without ingest.kafka.address)', 'Set: spec.tempo.kafka.address: <bootstrap host>:9092  (or mode: strimzi to have tracestack run Kafka)', 'error', true);
  }
  if (k.mode === 'strimzi') {
    for (const f of ['address', 'saslSecret']) {
      const p = ptr('spec', 'tempo', 'kafka', f);
      if (written(p)) at(p, 'kafka-address', `spec.tempo.kafka.${f} is for an external Kafka; with mode strimzi Tempo reaches the Strimzi bootstrap Service on its plain listener`, 'Remove it, or set spec.tempo.kafka.mode: external', 'error', true);
    }
  }
  // Pass-through values must not take apart what one spec value keeps equal.
  const values = (t.values ?? {}) as Record<string, unknown>;
  const passed: Array<[string[], string]> = [
    [['blockBuilder', 'replicas'], 'block-builder replicas'],
    [['liveStore', 'replicas'], 'live-store replicas'],
    [['ingest', 'kafka', 'auto_create_topic_default_partitions'], 'partitions'],
  ];
  for (const [path, what] of passed) {
    const v = path.reduce<unknown>((o, key) => (isPlainObject(o) ? o[key] : undefined), values);
    if (v !== undefined && Number(v) !== k.partitions) {
      at(ptr('spec', 'tempo', 'values', ...path), 'kafka-partitions', `${what} ${String(v)} != spec.tempo.kafka.partitions ${k.partitions}: Tempo 3 needs one block-builder and one live-store per partition (tempo-distributed 3.3.0 values.yaml blockBuilder/liveStore, UPGRADE.md)`, `Remove spec.tempo.values.${path.join('.')} and set spec.tempo.kafka.partitions: ${String(v)}`);
    }
  }
  const kafkaValues = (isPlainObject(values.ingest) && isPlainObject(values.ingest.kafka) ? values.ingest.kafka : {}) as Record<string, unknown>;
  if ('address' in kafkaValues && !kafkaValues.address) at(ptr('spec', 'tempo', 'values', 'ingest', 'kafka', 'address'), 'kafka-address', 'an empty ingest.kafka.address: tempo-distributed 3.3.0 templates/validate.yaml refuses to render', 'Remove it (spec.tempo.kafka gives the address)');
  for (const f of ['tls', 'tls_enabled', 'sasl_mechanism']) {
    if (f in kafkaValues) at(ptr('spec', 'tempo', 'values', 'ingest', 'kafka', f), 'kafka-address', `ingest.kafka.${f} is not a Tempo 3.0 setting: its Kafka client speaks plaintext with optional SASL PLAIN only (grafana/tempo v3.0.3 pkg/ingest/config.go KafkaConfig)`, 'Remove it; for credentials use spec.tempo.kafka.saslSecret');
  }
  if (isPlainObject(values.minio) && values.minio.enabled) at(ptr('spec', 'tempo', 'values', 'minio', 'enabled'), 'tempo3-chart-refuses', 'tempo-distributed 3.x removed its MinIO subchart and refuses minio.enabled (templates/validate.yaml)', 'Remove spec.tempo.values.minio and point spec.tempo.storage at an S3-compatible store');

  checkMigrationOrder(env, previous, at);
}

/**
 * Refusal to skip a phase or go back, against what the last generate recorded in the committed output (previous,
 * read at the edge: src/write/tempo-record.ts). Without a record (never generated into this output folder) there is
 * nothing to compare with. Steps: 2 -> parallel -> cutover -> done (or Tempo 3 without a migration). Going back from
 * cutover to parallel, or from parallel to 2, is a rollback upstream allows (2.x still runs and holds every trace);
 * back from done is refused: 2.x is gone and there is no downgrade (grafana/tempo v3.0.3 migrate-to-3.md).
 */
function checkMigrationOrder(env: Environment, previous: TempoRecord | undefined, at: At): void {
  const t = env.spec.tempo;
  const now = tempoState(t);
  if (!previous || !now) return;
  const was = previous.state;
  const from = tempoStep(was);
  const to = tempoStep(now);
  const pointer = t.migration ? ptr('spec', 'tempo', 'migration', 'phase') : ptr('spec', 'tempo', 'version');
  const name = (s: TempoState) => (s === '2' ? 'Tempo 2 (no migration)' : s === '3' ? 'Tempo 3 (no migration)' : `migration phase ${s}`);
  const phases: Array<TempoState> = ['parallel', 'cutover', 'done'];
  if (to > from + 1) {
    const skipped = phases.slice(from, to - 1);
    const next = phases[from];
    at(
      pointer,
      'tempo-migration',
      `${name(now)} skips ${skipped.join(' and ')}: ${previous.file} was generated at ${name(was)}; each phase is rolled out and verified before the next (grafana/tempo v3.0.3 migrate-to-3.md: deploy 3.0 beside 2.x, switch traffic, then clean up 2.x)`,
      t.migration ? `Set: spec.tempo.migration.phase: ${next}  (generate, review, roll out and verify it first; README "Migrating from Tempo 2")` : `Add: spec.tempo.migration: { phase: ${next} }  (README "Migrating from Tempo 2")`,
      'error',
      !t.migration,
    );
  } else if (from === 3 && to < 3) {
    at(
      pointer,
      'tempo-migration',
      `${name(now)} goes back from ${name(was)} (${previous.file}): the 2.x release was removed and Tempo 3 compacts the bucket; there is no downgrade from Tempo 3 (grafana/tempo v3.0.3 migrate-to-3.md)`,
      t.migration ? 'Set: spec.tempo.migration.phase: done  (or remove spec.tempo.migration)' : 'Set: spec.tempo.version: "3"',
      'error',
      !t.migration,
    );
  }
}
