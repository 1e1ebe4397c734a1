import { describe, expect, it } from 'vitest';
import { renderComponent } from '../helpers/component.js';
import { namespaceCondition } from '../../src/components/collector/index.js';
import type { KustomizeUnit } from '../../src/components/types.js';

const config = (r: ReturnType<typeof renderComponent>) => r.objects('collector')[0].spec.config;

describe('component collector', () => {
  it('one OpenTelemetryCollector after the operator and Tempo, receiving OTLP on all interfaces', () => {
    const r = renderComponent('collector');
    expect(r.errors).toEqual([]);
    expect(r.units.map((u) => [u.id, u.namespace, u.needs])).toEqual([['collector', 'otel', ['otel-operator', 'tempo']]]);
    const [c] = r.objects('collector');
    expect(c).toMatchObject({ apiVersion: 'opentelemetry.io/v1beta1', kind: 'OpenTelemetryCollector', metadata: { name: 'otel' }, spec: { mode: 'deployment', replicas: 3 } });
    // the collector's own default binds localhost only: nothing outside the pod could send
    expect(c.spec.config.receivers.otlp.protocols).toEqual({ grpc: { endpoint: '0.0.0.0:4317' }, http: { endpoint: '0.0.0.0:4318' } });
  });

  it('without teams: one exporter to the Tempo distributor on 4317, memory_limiter first and batch last', () => {
    const cfg = config(renderComponent('collector'));
    expect(Object.keys(cfg.exporters)).toEqual(['otlp_grpc']);
    expect(cfg.exporters.otlp_grpc).toMatchObject({ endpoint: 'tempo-distributor.tempo.svc.cluster.local:4317', tls: { insecure: true } });
    expect(cfg.service.pipelines.traces).toEqual({ receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['otlp_grpc'] });
    expect(cfg).not.toHaveProperty('connectors');
  });

  it('with teams: each team namespace routes to its tenant pipeline, whose exporter sends X-Scope-OrgID; the rest to platform', () => {
    // (with no Istio gateway or waypoint edge: routing by the sender's namespace only; proxy rows: test/edge-tenancy.test.ts)
    const r = renderComponent('collector', { teams: [{ name: 'search', namespaces: ['search', 'search-api'], languages: ['java'], grafanaOrgId: 1 }], edge: { type: 'none' } }, 'teams-demo');
    expect(r.errors).toEqual([]);
    const cfg = config(r);
    const routing = cfg.connectors.routing;
    expect(routing.default_pipelines).toEqual(['traces/platform']);
    expect(routing.table).toEqual([
      { context: 'resource', condition: namespaceCondition('search'), pipelines: ['traces/search'] },
      { context: 'resource', condition: namespaceCondition('search-api'), pipelines: ['traces/search'] },
    ]);
    expect(namespaceCondition('search')).toBe('attributes["k8s.namespace.name"] == "search"');
    for (const tenant of ['platform', 'search']) {
      // gRPC metadata keys are lower case; Tempo reads the header case-insensitively
      expect(cfg.exporters[`otlp_grpc/${tenant}`].headers).toEqual({ 'x-scope-orgid': tenant });
      expect(cfg.exporters[`otlp_grpc/${tenant}`].endpoint).toBe('tempo-distributor.tempo.svc.cluster.local:4317');
      expect(cfg.service.pipelines[`traces/${tenant}`]).toEqual({ receivers: ['routing'], exporters: [`otlp_grpc/${tenant}`] });
    }
    // no un-tenanted exporter left: Tempo would refuse its spans
    expect(cfg.exporters).not.toHaveProperty('otlp_grpc');
    expect(cfg.service.pipelines.traces.exporters).toEqual(['routing']);
  });

  it('with teams, the RBAC for k8sattributes syncs first and the collector runs as its ServiceAccount', () => {
    const r = renderComponent('collector', {}, 'teams-demo');
    const rbac = r.unit<KustomizeUnit>('collector-rbac');
    const c = r.unit<KustomizeUnit>('collector');
    expect(rbac.wave).toBeLessThan(c.wave);
    expect(c.needs).toContain('collector-rbac');
    const sa = rbac.objects.find((o) => o.kind === 'ServiceAccount')!;
    expect((c.objects[0] as any).spec.serviceAccount).toBe(sa.metadata.name);
    const binding = rbac.objects.find((o) => o.kind === 'ClusterRoleBinding') as any;
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: 'otel' }]);
  });

  it('debugExporter adds the debug exporter to the traces pipeline; daemonset mode drops replicas', () => {
    const r = renderComponent('collector', { collector: { debugExporter: true, mode: 'daemonset' } });
    expect(r.errors).toEqual([]);
    const [c] = r.objects('collector');
    expect(c.spec).not.toHaveProperty('replicas');
    expect(c.spec.config.service.pipelines.traces.exporters).toEqual(['otlp_grpc', 'debug']);
    expect(c.spec.config.exporters.debug).toEqual({ verbosity: 'basic' });
  });

  it('spec sizes reach the processors and the sending queue', () => {
    const cfg = config(renderComponent('collector', { collector: { memoryLimiter: { limitPercentage: 70, spikeLimitPercentage: 15 }, batch: { sendBatchSize: 4096, timeout: '2s' }, sendingQueue: { queueSize: 5000, numConsumers: 4 } } }));
    expect(cfg.processors.memory_limiter).toEqual({ check_interval: '1s', limit_percentage: 70, spike_limit_percentage: 15 });
    expect(cfg.processors.batch).toEqual({ send_batch_size: 4096, timeout: '2s' });
    expect(cfg.exporters.otlp_grpc.sending_queue).toEqual({ enabled: true, queue_size: 5000, num_consumers: 4 });
  });
});
