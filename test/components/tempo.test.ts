import { describe, expect, it } from 'vitest';
import { renderComponent } from '../helpers/component.js';
import { TEMPO_BUILTIN_OVERRIDES } from '../../src/components/tempo/index.js';
import type { KustomizeUnit } from '../../src/components/types.js';

/** Every leaf path of a map, as a.b.c. */
const leaves = (o: Record<string, unknown>, at = ''): string[] =>
  Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' && !Array.isArray(v) ? leaves(v as Record<string, unknown>, `${at}${k}.`) : [`${at}${k}`]));

describe('component tempo', () => {
  it('one release and the access NetworkPolicy after it, in spec.tempo.namespace, with stable Service names', () => {
    const r = renderComponent('tempo', { tempo: { namespace: 'tracing' } });
    expect(r.errors).toEqual([]);
    expect(r.units.map((u) => [u.id, u.namespace, u.needs])).toEqual([
      ['tempo', 'tracing', []],
      ['tempo-access', 'tracing', ['tempo']],
    ]);
    // the collector and Grafana address tempo-distributor / tempo-query-frontend: fullnameOverride pins them
    expect(r.values('tempo').fullnameOverride).toBe('tempo');
    expect(r.values('tempo').traces.otlp).toEqual({ grpc: { enabled: true }, http: { enabled: true } });
    expect(renderComponent('tempo', { tempo: { networkPolicy: false } }).units.map((u) => u.id)).toEqual(['tempo']);
  });

  it('every per-tenant block is complete: a block replaces the defaults, so each carries the built-in limits', () => {
    // grafana/tempo v2.10.7 modules/overrides/runtime_config_overrides.go: a tenant block is used *instead of* the
    // defaults; one that only set retention would have ingestion rate 0 and refuse every push.
    const r = renderComponent('tempo', {}, 'teams-demo');
    expect(r.errors).toEqual([]);
    const v = r.values('tempo');
    expect(v.multitenancyEnabled).toBe(true);
    const blocks = v.per_tenant_overrides as Record<string, Record<string, unknown>>;
    expect(Object.keys(blocks).sort()).toEqual(['payments', 'shop']);
    for (const [tenant, block] of Object.entries(blocks)) {
      for (const path of leaves(TEMPO_BUILTIN_OVERRIDES)) expect(leaves(block), `${tenant} ${path}`).toContain(path);
    }
    expect(blocks.shop.compaction).toEqual({ block_retention: '720h' }); // the team's 30d
    // the environment's defaults block (retention, generator processors, exemplar label) is inherited too
    expect((blocks.shop.metrics_generator as any).trace_id_label_name).toBe('trace_id');
    expect((blocks.payments.metrics_generator as any).processors).toEqual(['service-graphs', 'span-metrics', 'local-blocks']);
  });

  it('a block written by hand in the pass-through (the platform tenant) is completed too, and its own values win', () => {
    const r = renderComponent('tempo', { tempo: { values: { per_tenant_overrides: { platform: { ingestion: { rate_limit_bytes: 1000 } } } } } }, 'teams-demo');
    expect(r.errors).toEqual([]);
    const platform = r.values('tempo').per_tenant_overrides.platform;
    expect(platform.ingestion).toMatchObject({ rate_limit_bytes: 1000, burst_size_bytes: 20_000_000, max_traces_per_user: 10_000 });
    expect(platform.compaction.block_retention).toBe('168h');
  });

  it('without teams: single-tenant, no per-tenant overrides', () => {
    const v = renderComponent('tempo').values('tempo');
    expect(v).not.toHaveProperty('multitenancyEnabled');
    expect(v).not.toHaveProperty('per_tenant_overrides');
  });

  it('the metrics generator writes to the Prometheus remote-write URL with exemplars, and emits with processors set', () => {
    const v = renderComponent('tempo', { tempo: { metricsGenerator: { processors: ['service-graphs'] } } }).values('tempo');
    expect(v.metricsGenerator.config.storage.remote_write).toEqual([{ url: 'http://prometheus-operated.monitoring.svc:9090/api/v1/write', send_exemplars: true }]);
    // without processors in the overrides the generator runs and emits nothing
    expect(v.overrides.defaults.metrics_generator.processors).toEqual(['service-graphs']);
    const off = renderComponent('tempo', { tempo: { metricsGenerator: { enabled: false } } }).values('tempo');
    expect(off.metricsGenerator).toEqual({ enabled: false });
    expect(off.overrides.defaults).not.toHaveProperty('metrics_generator');
  });

  it('an S3 Secret reaches every pod as environment; Azure expands its key from it (-config.expand-env)', () => {
    const s3 = renderComponent('tempo').values('tempo');
    expect(s3.global.extraEnvFrom).toEqual([{ secretRef: { name: 'tempo-s3-credentials' } }]);
    expect(s3.storage.trace.s3).toMatchObject({ bucket: 'acme-prod-tempo-traces', endpoint: 's3.eu-west-1.amazonaws.com', region: 'eu-west-1' });
    const r = renderComponent('tempo', { tempo: { storage: { backend: 'azure', s3: null, azure: { containerName: 'traces', storageAccountName: 'acme' } } } });
    expect(r.errors).toEqual([]);
    const az = r.values('tempo');
    expect(az.storage.trace.azure).toEqual({ container_name: 'traces', storage_account_name: 'acme', storage_account_key: '${AZURE_STORAGE_KEY}' });
    // without expand-env Tempo would use the literal text as the key
    expect(az.global.extraArgs).toContain('-config.expand-env=true');
  });

  it('the NetworkPolicy admits the collector on OTLP and Grafana on 3200, and only them besides Tempo itself', () => {
    const [policy] = renderComponent('tempo').objects('tempo-access');
    const rules = policy.spec.ingress as any[];
    expect(rules).toHaveLength(3);
    expect(rules.map((r) => (r.ports ?? []).map((p: any) => p.port))).toEqual([[], [4317, 4318], [3200]]);
    const noCollector = renderComponent('tempo', { collector: { enabled: false }, instrumentation: { enabled: false }, ingressNginx: { enabled: false }, istio: { enabled: false } });
    expect(noCollector.errors).toEqual([]);
    // no collector: no rule for it (a rule for pods that do not exist would still admit whoever takes those labels)
    expect((noCollector.unit<KustomizeUnit>('tempo-access').objects[0] as any).spec.ingress.map((r: any) => (r.ports ?? []).map((p: any) => p.port))).toEqual([[], [3200]]);
  });

  it('an incomplete storage patch is reported as a diagnostic at its spec path, not thrown', () => {
    const r = renderComponent('tempo', { tempo: { storage: { backend: 'azure' } } });
    expect(r.units).toEqual([]);
    expect(r.errors.map((d) => [d.code, d.path])).toContainEqual(['required', 'spec.tempo.storage.azure']);
  });
});
