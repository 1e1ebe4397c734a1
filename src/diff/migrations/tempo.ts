// The Tempo 2 -> 3 migration in a change summary: when a spec change moves an environment from one phase to another,
// what the rendered change does and what to verify (by hand, on the cluster) before the next phase. Pure: spec
// changes in, lines out. The steps follow grafana/tempo v3.0.3 docs/sources/tempo/set-up-for-tracing/setup-tempo/
// migrate-to-3.md and the README runbook "Migrating from Tempo 2". Metrics, as registered at the pinned versions:
// tempo_live_store_ready (v3.0.3 modules/livestore/live_store.go), tempo_block_builder_fetch_errors_total
// (modules/blockbuilder/blockbuilder.go), tempo_distributor_kafka_write_bytes_total (modules/distributor/distributor.go);
// 2.x: tempo_distributor_spans_received_total (v2.10.7 modules/distributor/distributor.go), tempo_ingester_live_traces
// (modules/ingester/instance.go); the others as migrate-to-3.md names them.
import type { TempoState } from '../../components/tempo/index.js';
import type { SpecChange } from '../spec.js';

const value = (json: string | undefined) => (json === undefined ? undefined : (JSON.parse(json) as unknown));

/** The state before and after, from the spec changes of one environment; undefined when neither version nor phase changed. */
export function tempoTransition(spec: SpecChange[], env: string): { from: TempoState; to: TempoState } | undefined {
  const mine = spec.filter((s) => s.env === env);
  const version = mine.find((s) => s.path === 'spec.tempo.version');
  const phase = mine.find((s) => s.path === 'spec.tempo.migration.phase');
  if (!version && !phase) return undefined;
  if (mine.some((s) => s.path === 'spec.tempo.enabled')) return undefined;
  const state = (v: unknown, p: unknown): TempoState => (v === '2' ? '2' : ((p as TempoState | undefined) ?? '3'));
  // a phase is set on version 3 only: an unchanged version beside a changed phase is 3 on both sides
  const from = state(version ? value(version.old) : '3', value(phase?.old));
  const to = state(version ? value(version.new) : '3', value(phase?.new));
  return from === to ? undefined : { from, to };
}

// What to verify: the checklists of migrate-to-3.md "Deploy Tempo 3.0 in parallel" ("Before proceeding to the
// cutover"), "Switch traffic to Tempo 3.0", "Clean up the Tempo 2.x deployment" and "Verify the migration".
const STEPS: Record<string, { changes: string[]; verify: string[] }> = {
  '2>parallel': {
    changes: [
      'Adds the `tempo3` release (tempo-distributed 3.3.0) on the same bucket, with `compaction_disabled: true` in its defaults and in every per-tenant block: 2.x keeps compacting, alone (only one compaction system may write to the bucket).',
      'Adds Kafka for it (Strimzi operator, then Kafka, KafkaNodePool, KafkaTopic), or points it at the external Kafka.',
      'The 2.x release, the collectors and Grafana are unchanged: traces still go to 2.x.',
    ],
    verify: [
      'Argo CD: Kafka and KafkaTopic are Healthy (Ready), every tempo3 pod runs.',
      '`tempo_live_store_ready` is 1 on every live-store (up to `live_store.readiness_max_wait`, 30 minutes, with no traffic yet).',
      '`rate(tempo_block_builder_fetch_errors_total[5m])` is at or near 0 on every block-builder.',
      'Tempo Vulture against tempo3 for 10-15 minutes: `tempo_vulture_trace_error_total` stays 0, `tempo_vulture_trace_total` rises.',
      'A trace id that exists in 2.x is returned by `tempo3-query-frontend:3200/api/traces/<id>` (3.x reads the shared bucket).',
    ],
  },
  'parallel>cutover': {
    changes: [
      "The collectors export to `tempo3-distributor:4317` and Grafana's Tempo datasources read `tempo3-query-frontend`.",
      '2.x still runs (its ingesters flush what they hold) and still compacts; tempo3 still does not.',
    ],
    verify: [
      '`tempo_distributor_kafka_write_bytes_total` rises steadily on tempo3; `tempo_block_builder_fetch_records_total` rises, `tempo_block_builder_fetch_errors_total` stays 0.',
      '`tempo_live_store_ready` is 1 and `tempo_live_store_records_processed_total` rises; new traces are found in Grafana.',
      'The 2.x distributors receive nothing (`tempo_distributor_spans_received_total` flat).',
      'The 2.x ingesters are drained (up to `max_block_duration` + `complete_block_timeout`, about 45 minutes by default): `tempo_ingester_live_traces` and `tempo_ingester_flush_queue_length` are 0.',
    ],
  },
  'cutover>done': {
    changes: [
      'Removes the 2.x release (its Argo CD Application is pruned: sync with prune if automated prune is off) and its values file.',
      'tempo3 compacts the bucket: `compaction_disabled` is gone from its defaults and per-tenant blocks.',
      'There is no downgrade from here: generate refuses to go back to an earlier phase.',
    ],
    verify: [
      'No 2.x pods are left in the Tempo namespace; the bucket stays (3.x reads the blocks 2.x wrote).',
      'The backend-workers compact: the overlap left extra blocks, so keep `replicas.backendWorker` up until the backlog clears.',
      '`tempo_ingest_group_partition_lag_seconds` is acceptable and `tempo_live_store_records_dropped_total` is 0.',
      'Then `spec.tempo.migration` may be removed: Tempo 3 without a migration renders the same.',
    ],
  },
  'cutover>parallel': {
    changes: ['Rollback: the collectors and Grafana go back to 2.x; tempo3 stays beside it, without compaction.'],
    verify: ['Traces arrive at the 2.x distributors again; traces written through tempo3 during the cutover are in the bucket, found through `tempo3-query-frontend`.'],
  },
  'parallel>2': {
    changes: ['Abandons the migration: tempo3 and its Kafka are removed; 2.x, which received every trace, stays.'],
    verify: ['Argo CD pruned the tempo3 and Kafka Applications; the Kafka PersistentVolumeClaims stay (deleteClaim: false) until deleted by hand.'],
  },
};

/**
 * Lines for a change summary: the transition, what the change does, and what to verify before the next phase.
 * Empty when the environment's Tempo state did not change (or changed in a way with nothing to say, done -> 3).
 */
export function tempoMigrationSteps(spec: SpecChange[], env: string): string[] {
  const t = tempoTransition(spec, env);
  if (!t) return [];
  const name = (s: TempoState) => (s === '2' ? 'Tempo 2' : s === '3' ? 'Tempo 3' : s);
  const steps = STEPS[`${t.from}>${t.to}`];
  if (!steps) return [];
  const next = t.to === 'parallel' ? 'cutover' : t.to === 'cutover' ? 'done' : undefined;
  return [
    `Tempo migration: ${name(t.from)} -> ${name(t.to)} (README "Migrating from Tempo 2").`,
    'What this change does:',
    ...steps.changes.map((c) => `- ${c}`),
    next ? `Verify before the next phase (${next}):` : 'Verify after it is rolled out:',
    ...steps.verify.map((v) => `- [ ] ${v}`),
  ];
}
