import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HelmUnit, KustomizeUnit, Unit } from '../src/components/types.js';
import { readInputs } from '../src/cli/io.js';
import { behaviourInputs } from '../src/pipeline.js';
import { verifyBehaviour, type BehaviourInput } from '../src/verify/behaviour/index.js';
import { editFile, REPO, runCli, scratchRepo } from './helpers/repo.js';
import { gitIn, gitScratchRepo } from './helpers/git.js';
import { tempoMigrationSteps, tempoTransition } from '../src/diff/migrations/tempo.js';
import { tempoStateOfHelmfile } from '../src/write/tempo-record.js';

/**
 * Tempo 3 (the Kafka write path) and the migration from 2.x, proven from the rendered units: what each phase
 * deploys, where the collectors write and Grafana reads, and which release compacts the shared bucket.
 */
type Obj = Record<string, any>;
const helm = (units: Unit[], id: string) => units.find((u): u is HelmUnit => u.kind === 'helm' && u.id === id);
const kust = (units: Unit[], id: string) => units.find((u): u is KustomizeUnit => u.kind === 'kustomize' && u.id === id);
const inputsOf = (dir: string) => behaviourInputs(readInputs(dir));
const envIn = (dir: string, name: string) => inputsOf(dir).inputs.find((e) => e.env.metadata.name === name)!;

/** Every endpoint the collectors export traces to. */
function collectorEndpoints(input: BehaviourInput): string[] {
  const col = kust(input.units, 'collector')!.objects.find((o) => o.kind === 'OpenTelemetryCollector') as Obj;
  return Object.values(col.spec.config.exporters as Obj)
    .map((e: Obj) => e?.endpoint)
    .filter(Boolean);
}
/** The Tempo URLs Grafana's datasources query. */
function grafanaTempoUrls(input: BehaviourInput): string[] {
  const g = helm(input.units, 'grafana')!.values as Obj;
  return Object.values(g.datasources as Obj).flatMap((f: Obj) => f.datasources as Obj[]).filter((d) => d.type === 'tempo').map((d) => d.url);
}
/** Every overrides block of a Tempo release: the defaults and each per-tenant block. */
const overrideBlocks = (values: Obj): Array<[string, Obj]> => [['defaults', values.overrides.defaults], ...Object.entries<Obj>(values.per_tenant_overrides ?? {})];

/** The migration example (it has a team: a tenant with its own overrides block), moved to a phase (in memory: no record of earlier phases is read). */
function atPhase(phase: 'parallel' | 'cutover' | 'done'): BehaviourInput {
  const dir = scratchRepo(false);
  if (phase !== 'parallel') editFile(join(dir, 'environments/tempo3-migration.yaml'), 'phase: parallel', `phase: ${phase}`);
  if (phase === 'done') editFile(join(dir, 'environments/tempo3-migration.yaml'), /\n    replicas:\n      ingester: 3/, '');
  const r = inputsOf(dir);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r.inputs.find((e) => e.env.metadata.name === 'tempo3-migration')!;
}

describe('Tempo 3 migration, from the rendered objects', () => {
  it('parallel: both releases read the same bucket, only 3.x has compaction disabled (defaults and every tenant), the collectors write to exactly one release (2.x)', () => {
    expect(envIn(REPO, 'tempo3-migration').env.spec.tempo.migration?.phase).toBe('parallel');
    const e = atPhase('parallel');
    const v2 = helm(e.units, 'tempo')!;
    const v3 = helm(e.units, 'tempo3')!;
    expect(v2.chart.version).toMatch(/^2\./);
    expect(v3.chart.version).toMatch(/^3\./);
    expect((v3.values as Obj).storage.trace).toEqual((v2.values as Obj).storage.trace);
    expect((v3.values as Obj).global).toEqual((v2.values as Obj).global); // the same credentials reach the bucket
    // Tempo 3 must not compact while 2.x's compactor runs on the same bucket (migrate-to-3.md): every tenant, as blocks do not inherit
    const blocks3 = overrideBlocks(v3.values as Obj);
    expect(blocks3.map(([id]) => id)).toEqual(['defaults', 'shop']);
    for (const [id, b] of blocks3) expect(b.compaction?.compaction_disabled, id).toBe(true);
    for (const [id, b] of overrideBlocks(v2.values as Obj)) expect(b.compaction?.compaction_disabled, id).toBeUndefined();
    // the 2.x release is unchanged by the migration (it still has its ingesters and compactor)
    expect((v2.values as Obj).ingester.replicas).toBe(3);
    const endpoints = collectorEndpoints(e);
    expect(endpoints.length).toBeGreaterThan(0);
    expect(new Set(endpoints)).toEqual(new Set(['tempo-distributor.tempo.svc.cluster.local:4317']));
    expect(grafanaTempoUrls(e).every((u) => u.startsWith('http://tempo-query-frontend.'))).toBe(true);
    // Kafka first: the operator, then the cluster, then Tempo 3
    expect(helm(e.units, 'strimzi')!.wave).toBeLessThan(kust(e.units, 'kafka')!.wave);
    expect(kust(e.units, 'kafka')!.wave).toBeLessThan(v3.wave);
    expect(v3.needs).toContain('kafka');
    expect(kust(e.units, 'kafka')!.needs).toContain('strimzi');
    expect(verifyBehaviour(e)).toEqual([]);
  });

  it('cutover: collectors and Grafana switched to 3.x, 2.x still deployed, 3.x still does not compact', () => {
    const e = atPhase('cutover');
    expect(helm(e.units, 'tempo')).toBeDefined();
    const v3 = helm(e.units, 'tempo3')!;
    expect(new Set(collectorEndpoints(e))).toEqual(new Set(['tempo3-distributor.tempo.svc.cluster.local:4317']));
    expect(grafanaTempoUrls(e).every((u) => u.startsWith('http://tempo3-query-frontend.'))).toBe(true);
    for (const [id, b] of overrideBlocks(v3.values as Obj)) expect(b.compaction?.compaction_disabled, id).toBe(true);
    expect(verifyBehaviour(e)).toEqual([]);
  });

  it('done: 2.x removed, 3.x compacts again, the team keeps its complete block', () => {
    const e = atPhase('done');
    expect(helm(e.units, 'tempo')).toBeUndefined();
    const v3 = helm(e.units, 'tempo3')!;
    for (const [id, b] of overrideBlocks(v3.values as Obj)) expect(b.compaction?.compaction_disabled, id).toBeUndefined();
    expect((v3.values as Obj).per_tenant_overrides.shop.compaction.block_retention).toBe('336h');
    expect((v3.values as Obj).per_tenant_overrides.shop.ingestion.rate_limit_bytes).toBe(30_000_000); // Tempo 3 built-in
    expect(new Set(collectorEndpoints(e))).toEqual(new Set(['tempo3-distributor.tempo.svc.cluster.local:4317']));
    expect(e.units.find((u) => u.needs.includes('tempo'))).toBeUndefined();
    expect(verifyBehaviour(e)).toEqual([]);
  });
});

/** Exporters of the collector by tenant (the x-scope-orgid header each one sends). */
function exportersByTenant(input: BehaviourInput): Map<string, string[]> {
  const col = kust(input.units, 'collector')!.objects.find((o) => o.kind === 'OpenTelemetryCollector') as Obj;
  const out = new Map<string, string[]>();
  for (const e of Object.values(col.spec.config.exporters as Obj).filter(Boolean) as Obj[]) {
    const tenant = e.headers?.['x-scope-orgid'] ?? '(none)';
    out.set(tenant, [...(out.get(tenant) ?? []), e.endpoint]);
  }
  return out;
}

describe('the committed migration example with a team (phase parallel), from the rendered objects', () => {
  const e = envIn(REPO, 'tempo3-migration');
  const v2 = helm(e.units, 'tempo')!.values as Obj;
  const v3 = helm(e.units, 'tempo3')!.values as Obj;

  it('the team is a tenant of both releases: multitenancy on, a complete overrides block with its retention in each (each in its own Tempo major format and defaults)', () => {
    expect(e.env.spec.tempo.migration?.phase).toBe('parallel');
    expect(e.env.spec.teams.map((t) => t.name)).toEqual(['shop']);
    for (const v of [v2, v3]) {
      expect(v.multitenancyEnabled).toBe(true);
      expect(Object.keys(v.per_tenant_overrides)).toEqual(['shop']);
      expect(v.per_tenant_overrides.shop.compaction.block_retention).toBe('336h');
      expect(v.per_tenant_overrides.shop.metrics_generator.processors).toEqual(v.overrides.defaults.metrics_generator.processors);
    }
    expect(v2.per_tenant_overrides.shop.ingestion.rate_limit_bytes).toBe(15_000_000); // Tempo 2.10 built-in
    expect(v3.per_tenant_overrides.shop.ingestion.rate_limit_bytes).toBe(30_000_000); // Tempo 3.0 built-in
    expect(v2.per_tenant_overrides.shop.read.max_condition_groups_per_tag_query).toBeUndefined();
  });

  it("compaction is disabled in Tempo 3 for the defaults and every tenant block, the team's included, and left on in 2.x (its compactor alone compacts the shared bucket)", () => {
    const tenants = [...exportersByTenant(e).keys()];
    expect(tenants.sort()).toEqual(['platform', 'shop']);
    // the platform tenant has no block of its own: the defaults apply to it, so they carry the switch too
    expect(v3.overrides.defaults.compaction.compaction_disabled).toBe(true);
    for (const t of tenants) if (v3.per_tenant_overrides[t]) expect(v3.per_tenant_overrides[t].compaction.compaction_disabled, t).toBe(true);
    expect(v3.per_tenant_overrides.shop.compaction.compaction_disabled).toBe(true);
    expect(v2.overrides.defaults.compaction.compaction_disabled).toBeUndefined();
    expect(v2.per_tenant_overrides.shop.compaction.compaction_disabled).toBeUndefined();
    expect(v2.compactor.replicas).toBeGreaterThan(0);
    expect(v3.storage.trace).toEqual(v2.storage.trace);
  });

  it("each tenant's spans go to exactly one release (2.x), with its own tenant header; the team's namespaces route to the team's exporter", () => {
    const byTenant = exportersByTenant(e);
    for (const [tenant, endpoints] of byTenant) expect(new Set(endpoints), tenant).toEqual(new Set(['tempo-distributor.tempo.svc.cluster.local:4317']));
    expect(byTenant.get('(none)')).toBeUndefined();
    const col = kust(e.units, 'collector')!.objects.find((o) => o.kind === 'OpenTelemetryCollector') as Obj;
    const routes = (col.spec.config.connectors.routing.table as Obj[]).map((r) => [r.condition, r.pipelines]);
    expect(routes).toEqual([
      ['attributes["k8s.namespace.name"] == "shop"', ['traces/shop']],
      ['attributes["k8s.namespace.name"] == "shop-web"', ['traces/shop']],
    ]);
    expect(col.spec.config.service.pipelines['traces/shop'].exporters).toEqual(['otlp_grpc/shop']);
  });

  it('Grafana has a Tempo datasource per tenant, the team its own, each asking its tenant of the release the collectors write to', () => {
    const g = helm(e.units, 'grafana')!.values as Obj;
    const tempoDs = (Object.values(g.datasources as Obj).flatMap((f: Obj) => f.datasources) as Obj[]).filter((d) => d.type === 'tempo');
    expect(tempoDs.map((d) => [d.name, d.jsonData.httpHeaderName1, d.secureJsonData.httpHeaderValue1])).toEqual([
      ['Tempo', 'X-Scope-OrgID', 'platform'],
      ['Tempo (shop)', 'X-Scope-OrgID', 'shop'],
    ]);
    for (const d of tempoDs) expect(d.url).toBe('http://tempo-query-frontend.tempo.svc.cluster.local:3200');
    expect(verifyBehaviour(e)).toEqual([]);
  });
});

describe('Tempo 3 values', () => {
  it('partitions, block-builders and live-stores are one number; Kafka is addressed at the Strimzi bootstrap Service; no 2.x components', () => {
    const e = envIn(REPO, 'tempo3-demo');
    const v = helm(e.units, 'tempo3')!.values as Obj;
    expect(v.blockBuilder.replicas).toBe(3);
    expect(v.liveStore.replicas).toBe(3);
    expect(v.ingest.kafka.auto_create_topic_default_partitions).toBe(3);
    const topic = kust(e.units, 'kafka')!.objects.find((o) => o.kind === 'KafkaTopic') as Obj;
    expect(topic.spec.partitions).toBe(3);
    expect(topic.spec.topicName).toBe(v.ingest.kafka.topic);
    expect(v.ingest.kafka.address).toBe('tempo-kafka-kafka-bootstrap.kafka.svc.cluster.local:9092');
    expect(v.ingester).toBeUndefined();
    expect(v.compactor).toBeUndefined();
    expect(helm(e.units, 'tempo')).toBeUndefined();
  });

  it('prod profile: three KRaft nodes, replication 3, min.insync 2 (one broker may fail); dev profile: one node', () => {
    const kafka = (e: BehaviourInput) => kust(e.units, 'kafka')!.objects as Obj[];
    const prod = kafka(envIn(REPO, 'tempo3-demo'));
    expect(prod.find((o) => o.kind === 'KafkaNodePool')!.spec).toMatchObject({ replicas: 3, roles: ['controller', 'broker'] });
    expect(prod.find((o) => o.kind === 'Kafka')!.spec.kafka.config).toMatchObject({ 'default.replication.factor': 3, 'min.insync.replicas': 2 });
    expect(prod.find((o) => o.kind === 'KafkaTopic')!.spec.replicas).toBe(3);
    const dev = kafka(envIn(REPO, 'tempo3-migration'));
    expect(dev.find((o) => o.kind === 'KafkaNodePool')!.spec.replicas).toBe(1);
    expect(dev.find((o) => o.kind === 'KafkaTopic')!.spec.replicas).toBe(1);
  });

  it('external Kafka with SASL: the Secret reaches every pod as env, Tempo expands it into ingest.kafka, no Strimzi', () => {
    const dir = scratchRepo(false);
    editFile(join(dir, 'environments/tempo3-demo.yaml'), /mode: strimzi\n      partitions: 3\n      strimzi:\n        profile: prod\n        storageSize: 50Gi/, 'mode: external\n      address: kafka.shared.svc.cluster.local:9092\n      partitions: 3\n      saslSecret:\n        name: tempo-kafka-sasl');
    const r = inputsOf(dir);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const e = r.inputs.find((x) => x.env.metadata.name === 'tempo3-demo')!;
    const v = helm(e.units, 'tempo3')!.values as Obj;
    expect(v.ingest.kafka.address).toBe('kafka.shared.svc.cluster.local:9092');
    expect(v.ingest.kafka.auto_create_topic_enabled).toBe(true);
    expect(v.global.extraEnvFrom).toEqual([{ secretRef: { name: 'tempo-kafka-sasl' } }]);
    expect(v.global.extraArgs).toEqual(['-config.expand-env=true']);
    expect(v.tempo.structuredConfig.ingest.kafka).toEqual({ sasl_username: '${KAFKA_SASL_USERNAME}', sasl_password: '${KAFKA_SASL_PASSWORD}' });
    expect(helm(e.units, 'strimzi')).toBeUndefined();
    expect(kust(e.units, 'kafka')).toBeUndefined();
  });
});

/** Break an example: generate refuses with the code at file:line:col, a fix-it, and writes nothing. */
function refused(env: string, edits: Array<[string | RegExp, string]>, code: string, message: RegExp, atText: string) {
  const dir = scratchRepo();
  const file = join(dir, 'environments', `${env}.yaml`);
  for (const [from, to] of edits) editFile(file, from, to);
  const r = runCli(dir, ['generate', '--format', 'json']);
  expect(r.code, r.err + r.out).toBe(1);
  const d = (JSON.parse(r.out).diagnostics as Obj[]).find((x) => x.code === code && message.test(x.message));
  expect(d, r.out).toBeDefined();
  const line = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(atText)) + 1;
  expect(d!.file).toContain(`environments/${env}.yaml`);
  expect(d!.line).toBe(line);
  expect(d!.column).toBeGreaterThan(0);
  expect(d!.suggestion).toBeTruthy();
}

describe('Tempo 3 refusals (file:line:col and a fix-it)', () => {
  it('block-builder replicas != partitions (through pass-through values)', () => {
    refused('tempo3-demo', [['      storageSize: 50Gi', '      storageSize: 50Gi\n    values:\n      blockBuilder:\n        replicas: 2']], 'kafka-partitions', /block-builder replicas 2 != spec.tempo.kafka.partitions 3/, 'replicas: 2');
  });
  it('live-store replicas != partitions', () => {
    refused('tempo3-demo', [['      storageSize: 50Gi', '      storageSize: 50Gi\n    values:\n      liveStore:\n        replicas: 5']], 'kafka-partitions', /live-store replicas 5/, 'replicas: 5');
  });
  it('external Kafka without an address', () => {
    refused('tempo3-demo', [[/mode: strimzi\n      partitions: 3\n      strimzi:\n        profile: prod\n        storageSize: 50Gi/, 'mode: external\n      partitions: 3']], 'kafka-address', /address is missing/, '    kafka:');
  });
  it('a 2.x-only field on 3.x', () => {
    refused('tempo3-demo', [['      backendWorker: 2', '      backendWorker: 2\n      compactor: 2']], 'tempo-version-field', /Tempo 3 has no compactor/, 'compactor: 2');
  });
  it('a processor Tempo 3 removed', () => {
    refused('tempo3-demo', [['    replicas:\n      distributor: 2', '    metricsGenerator:\n      processors: [service-graphs, local-blocks]\n    replicas:\n      distributor: 2']], 'tempo3-removed-processor', /local-blocks processor is removed/, 'local-blocks');
  });
  it('a migration on Tempo 2', () => {
    refused('tempo3-migration', [['version: "3"', 'version: "2"']], 'tempo-migration', /spec.tempo.version is 2/, 'migration:');
  });
});

/**
 * The phase order is checked against the record of the last generate: the tempo-migration label of the tempo3 release
 * in out/<env>/helmfile.yaml (a tempo release alone: Tempo 2). Each case runs the CLI on a temp copy of the examples
 * with their committed out/.
 */
describe('Tempo 3 migration phases, against what out/ records', () => {
  const file = (dir: string, env: string) => join(dir, 'environments', `${env}.yaml`);
  // every environment (generate --env X answers "no environment named X" when X does not validate)
  const gen = (dir: string, _env: string) => runCli(dir, ['generate', '--format', 'json']);
  const ok = (dir: string, env: string) => {
    const r = gen(dir, env);
    expect(r.code, r.err + r.out).toBe(0);
  };
  /** generate refuses with tempo-migration at the line holding atText, with a fix-it, and leaves out/ as it was. */
  const refusedAt = (dir: string, env: string, message: RegExp, atText: string, fix: RegExp) => {
    const before = readFileSync(join(dir, 'out', env, 'helmfile.yaml'), 'utf8');
    const r = gen(dir, env);
    expect(r.code, r.err + r.out).toBe(1);
    const d = (JSON.parse(r.out).diagnostics as Obj[]).find((x) => x.code === 'tempo-migration');
    expect(d, r.out).toBeDefined();
    expect(d!.message).toMatch(message);
    expect(d!.file).toContain(`environments/${env}.yaml`);
    expect(d!.line).toBe(readFileSync(file(dir, env), 'utf8').split('\n').findIndex((l) => l.includes(atText)) + 1);
    expect(d!.column).toBeGreaterThan(0);
    expect(d!.suggestion).toMatch(fix);
    expect(readFileSync(join(dir, 'out', env, 'helmfile.yaml'), 'utf8')).toBe(before);
  };
  const toPhase = (dir: string, from: string, to: string) => editFile(file(dir, 'tempo3-migration'), `phase: ${from}`, `phase: ${to}`);
  const dropIngesters = (dir: string) => editFile(file(dir, 'tempo3-migration'), /\n    replicas:\n      ingester: 3/, '');

  it('the committed example records its phase on the tempo3 release', () => {
    expect(readFileSync(join(REPO, 'out/tempo3-migration/helmfile.yaml'), 'utf8')).toMatch(/- name: tempo3\n(?:    .*\n)*?    labels:\n      component: tempo3\n      tier: platform\n      tempo-migration: parallel\n/);
  });

  it('parallel -> done skips cutover: refused at spec.tempo.migration.phase', () => {
    const dir = scratchRepo();
    toPhase(dir, 'parallel', 'done');
    dropIngesters(dir);
    refusedAt(dir, 'tempo3-migration', /migration phase done skips cutover: out\/tempo3-migration\/helmfile.yaml was generated at migration phase parallel/, 'phase: done', /phase: cutover/);
  });

  it('Tempo 2 -> cutover skips parallel; Tempo 2 -> Tempo 3 without a migration skips both (refused at spec.tempo.version)', () => {
    const dir = scratchRepo();
    const kafka = '\n    kafka:\n      mode: strimzi\n';
    editFile(file(dir, 'dev'), '    retention: 24h', `    version: "3"\n    migration:\n      phase: cutover\n    retention: 24h${kafka.replace(/\n$/, '')}`);
    refusedAt(dir, 'dev', /migration phase cutover skips parallel: out\/dev\/helmfile.yaml was generated at Tempo 2/, 'phase: cutover', /phase: parallel/);
    editFile(file(dir, 'dev'), '    migration:\n      phase: cutover\n', '');
    editFile(file(dir, 'dev'), /\n    replicas:\n      ingester: 1/, '');
    refusedAt(dir, 'dev', /Tempo 3 \(no migration\) skips parallel and cutover/, 'version: "3"', /migration: \{ phase: parallel \}/);
  });

  it('one phase at a time is accepted (parallel -> cutover -> parallel rollback -> cutover -> done), then going back after done is refused', () => {
    const dir = scratchRepo();
    toPhase(dir, 'parallel', 'cutover');
    ok(dir, 'tempo3-migration');
    expect(readFileSync(join(dir, 'out/tempo3-migration/helmfile.yaml'), 'utf8')).toContain('tempo-migration: cutover');
    toPhase(dir, 'cutover', 'parallel'); // a rollback while 2.x still runs and holds every trace
    ok(dir, 'tempo3-migration');
    toPhase(dir, 'parallel', 'cutover');
    ok(dir, 'tempo3-migration');
    toPhase(dir, 'cutover', 'done');
    dropIngesters(dir);
    ok(dir, 'tempo3-migration');
    expect(readFileSync(join(dir, 'out/tempo3-migration/helmfile.yaml'), 'utf8')).not.toMatch(/- name: tempo\n/);
    toPhase(dir, 'done', 'cutover');
    refusedAt(dir, 'tempo3-migration', /migration phase cutover goes back from migration phase done .*no downgrade/, 'phase: cutover', /phase: done/);
    toPhase(dir, 'cutover', 'done');
    editFile(file(dir, 'tempo3-migration'), 'version: "3"', 'version: "2"');
    editFile(file(dir, 'tempo3-migration'), /\n    migration:\n      phase: done/, '');
    editFile(file(dir, 'tempo3-migration'), /\n    kafka:\n      mode: strimzi\n      partitions: 1/, '');
    refusedAt(dir, 'tempo3-migration', /Tempo 2 \(no migration\) goes back from migration phase done/, 'version: "2"', /version: "3"/);
    // done and Tempo 3 without a migration are the same step: the block may go once the migration is over
    editFile(file(dir, 'tempo3-migration'), 'version: "2"', 'version: "3"\n    kafka:\n      mode: strimzi');
    ok(dir, 'tempo3-migration');
  });

  it('without a record (never generated into this out/) there is nothing to compare with', () => {
    const dir = scratchRepo(false);
    toPhase(dir, 'parallel', 'done');
    dropIngesters(dir);
    ok(dir, 'tempo3-migration');
  });
});

describe('prod on Tempo 3 with Strimzi Kafka (the end state of its migration)', () => {
  const e = envIn(REPO, 'prod');
  const kafka = kust(e.units, 'kafka')!.objects as Obj[];
  const v = helm(e.units, 'tempo3')!.values as Obj;

  it('phase done: Tempo 3 alone, compacting, on the bucket and credentials prod had on 2.x', () => {
    expect(e.env.spec.tempo.migration?.phase).toBe('done');
    expect(helm(e.units, 'tempo')).toBeUndefined();
    expect(v.overrides.defaults.compaction.compaction_disabled).toBeUndefined();
    expect(v.storage.trace.s3).toMatchObject({ bucket: 'acme-prod-tempo-traces', endpoint: 's3.eu-west-1.amazonaws.com', region: 'eu-west-1' });
    expect(v.global.extraEnvFrom).toEqual([{ secretRef: { name: 'tempo-s3-credentials' } }]);
    expect(v.distributor.replicas).toBe(3);
    expect(v.backendWorker.replicas).toBe(3);
    expect(new Set(collectorEndpoints(e))).toEqual(new Set(['tempo3-distributor.tempo.svc.cluster.local:4317']));
    expect(verifyBehaviour(e)).toEqual([]);
  });

  it('Kafka survives a broker loss: 3 KRaft nodes, replication 3, min.insync 2 (< replicas), partitions = block-builders = live-stores = 3', () => {
    const pool = kafka.find((o) => o.kind === 'KafkaNodePool')!;
    const cluster = kafka.find((o) => o.kind === 'Kafka')!;
    const topic = kafka.find((o) => o.kind === 'KafkaTopic')!;
    expect(pool.spec).toMatchObject({ replicas: 3, roles: ['controller', 'broker'] });
    const rf = topic.spec.replicas;
    const isr = topic.spec.config['min.insync.replicas'];
    expect(rf).toBe(3);
    expect(isr).toBe(2);
    expect(rf - isr).toBeGreaterThanOrEqual(1); // acks=all still reaches min.insync with one broker down
    expect(cluster.spec.kafka.config['min.insync.replicas']).toBe(isr);
    expect(cluster.spec.kafka.config['default.replication.factor']).toBe(rf);
    expect(topic.spec.partitions).toBe(3);
    expect(v.blockBuilder.replicas).toBe(topic.spec.partitions);
    expect(v.liveStore.replicas).toBe(topic.spec.partitions);
  });

  it('rack awareness by zone: broker.rack from the node label, brokers spread one per zone, the operator RBAC left at the chart defaults that let it read nodes for the brokers', () => {
    const pool = kafka.find((o) => o.kind === 'KafkaNodePool')!;
    const cluster = kafka.find((o) => o.kind === 'Kafka')!;
    expect(cluster.spec.kafka.rack).toEqual({ type: 'topology-label', topologyKey: 'topology.kubernetes.io/zone' });
    expect(pool.spec.template.pod.topologySpreadConstraints).toEqual([
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { 'strimzi.io/cluster': cluster.metadata.name, 'strimzi.io/pool-name': pool.metadata.name } } },
    ]);
    // strimzi 1.2.0 chart: the kafka-broker delegation ClusterRoleBinding needs rbac.create and createGlobalResources (both default true)
    const operator = helm(e.units, 'strimzi')!.values as Obj;
    expect(operator.rbac?.create ?? true).toBe(true);
    expect(operator.createGlobalResources ?? true).toBe(true);
    // without spec.tempo.kafka.strimzi.rack neither is rendered
    const demo = kust(envIn(REPO, 'tempo3-demo').units, 'kafka')!.objects as Obj[];
    expect(demo.find((o) => o.kind === 'Kafka')!.spec.kafka.rack).toBeUndefined();
    expect(demo.find((o) => o.kind === 'KafkaNodePool')!.spec.template).toBeUndefined();
  });

  it('the committed output records prod at phase done, and dev (kept on 2.x) at Tempo 2', () => {
    expect(tempoStateOfHelmfile(readFileSync(join(REPO, 'out/prod/helmfile.yaml'), 'utf8'))).toBe('done');
    expect(tempoStateOfHelmfile(readFileSync(join(REPO, 'out/dev/helmfile.yaml'), 'utf8'))).toBe('2');
    expect(tempoStateOfHelmfile(readFileSync(join(REPO, 'out/tempo3-demo/helmfile.yaml'), 'utf8'))).toBe('3');
    expect(tempoStateOfHelmfile(readFileSync(join(REPO, 'out/tempo3-migration/helmfile.yaml'), 'utf8'))).toBe('parallel');
  });
});

describe('the PR summary of a migration phase', () => {
  const ch = (path: string, old?: string, now?: string) => ({ env: 'x', path, old, new: now });

  it('the transition is read from the spec changes (version and phase)', () => {
    expect(tempoTransition([ch('spec.tempo.version', '"2"', '"3"'), ch('spec.tempo.migration.phase', undefined, '"parallel"')], 'x')).toEqual({ from: '2', to: 'parallel' });
    expect(tempoTransition([ch('spec.tempo.migration.phase', '"parallel"', '"cutover"')], 'x')).toEqual({ from: 'parallel', to: 'cutover' });
    expect(tempoTransition([ch('spec.tempo.migration.phase', '"done"', undefined)], 'x')).toEqual({ from: 'done', to: '3' });
    expect(tempoMigrationSteps([ch('spec.tempo.migration.phase', '"done"', undefined)], 'x')).toEqual([]); // renders the same: nothing to do
    expect(tempoTransition([ch('spec.tempo.retention', '"7d"', '"14d"')], 'x')).toBeUndefined();
    expect(tempoTransition([ch('spec.tempo.migration.phase', '"parallel"', '"cutover"')], 'other')).toBeUndefined();
    expect(tempoMigrationSteps([ch('spec.tempo.migration.phase', '"cutover"', '"parallel"')], 'x')[0]).toMatch(/cutover -> parallel/);
  });

  it('diff --summary markdown and diff (text) say what each phase changes and what to verify before the next; nothing when the phase stays', () => {
    const dir = gitScratchRepo();
    const file = join(dir, 'environments/tempo3-migration.yaml');
    const md = () => runCli(dir, ['diff', '--summary', 'markdown']).out;
    const commitPhase = (msg: string) => {
      expect(runCli(dir, ['generate']).code).toBe(0);
      gitIn(dir, 'add', '-A');
      gitIn(dir, 'commit', '-q', '-m', msg);
    };
    editFile(file, 'retention: 14d', 'retention: 30d'); // not a phase change: no migration notes
    expect(md()).not.toContain('Tempo migration');
    editFile(file, 'retention: 30d', 'retention: 14d');

    editFile(file, 'phase: parallel', 'phase: cutover');
    const cutover = md();
    expect(cutover).toContain('**Tempo migration: parallel -> cutover (README "Migrating from Tempo 2").**');
    expect(cutover).toMatch(/\*\*What this change does:\*\*\n\n- The collectors export to `tempo3-distributor:4317`/);
    expect(cutover).toMatch(/\*\*Verify before the next phase \(done\):\*\*\n\n- \[ \] `tempo_distributor_kafka_write_bytes_total`/);
    expect(cutover).toContain('`tempo_ingester_live_traces`');
    const text = runCli(dir, ['diff']).out;
    expect(text).toContain('tempo3-migration:\n  Tempo migration: parallel -> cutover');
    expect(text).toContain('  - [ ] The 2.x distributors receive nothing');
    commitPhase('cutover');

    editFile(file, 'phase: cutover', 'phase: done');
    editFile(file, /\n    replicas:\n      ingester: 3/, '');
    const done = md();
    expect(done).toContain('**Tempo migration: cutover -> done');
    expect(done).toContain('Removes the 2.x release');
    expect(done).toContain('**Verify after it is rolled out:**');
    expect(done).not.toContain('parallel -> cutover');
  });
});
