import { describe, expect, it } from 'vitest';
import type { KustomizeUnit } from '../src/components/types.js';
import { SAMPLING_PIPELINES } from '../src/components/collector/sampling.js';
import { traceGraph } from '../src/graph/model.js';
import { renderComponent } from './helpers/component.js';
import { route } from './helpers/routing.js';
import { SAMPLED, SAMPLING, sampledInput } from './helpers/sampling.js';

/**
 * Tail sampling (spec.sampling.mode: tail) as rendered: tier 1 balances by trace id into tier 2, tier 2 computes the
 * metrics from every span before tail_sampling, and the tenants survive both tiers. SAMPLED is prod with tail
 * sampling on, head sampling at 100% everywhere and two teams (payments with its own baseline).
 */
const prod = () => renderComponent('collector', SAMPLED);
const tier1 = (r = prod()) => r.objects('collector')[0] as any;
const tier2 = (r = prod()) => r.objects('collector-sampler')[0] as any;
const policies = (r = prod()) => tier2(r).spec.config.processors.tail_sampling.policies as any[];

describe('tail sampling: two collector tiers', () => {
  it('prod renders tier 2 and the resolver Role before tier 1, which needs both', () => {
    const r = prod();
    expect(r.errors).toEqual([]);
    expect(r.units.map((u) => u.id)).toEqual(['collector-rbac', 'collector-loadbalancing-rbac', 'collector-sampler', 'collector']);
    const c = r.unit('collector');
    for (const id of ['collector-loadbalancing-rbac', 'collector-sampler']) {
      expect(c.needs).toContain(id);
      expect(r.unit(id).wave).toBeLessThan(c.wave);
    }
    expect(tier2(r)).toMatchObject({ kind: 'OpenTelemetryCollector', metadata: { name: 'otel-sampler' }, spec: { mode: 'deployment', replicas: 3, resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { memory: '4Gi' } } } });
  });

  it('tier 1 keeps k8s_attributes (it sees the sending pod) and sends only to the loadbalancing exporter, keyed by trace id', () => {
    const cfg = tier1().spec.config;
    expect(cfg.service.pipelines).toEqual({ traces: { receivers: ['otlp'], processors: ['memory_limiter', 'resource/drop-claimed-namespace', 'k8s_attributes', 'batch'], exporters: ['load_balancing'] } });
    expect(cfg).not.toHaveProperty('connectors'); // no tenant routing in tier 1
    expect(Object.keys(cfg.exporters)).toEqual(['load_balancing']);
    expect(cfg.exporters.load_balancing.routing_key).toBe('traceID');
    // the operator's headless Service of otel-sampler, "<name>.<namespace>" as the k8s resolver splits it
    expect(cfg.exporters.load_balancing.resolver).toEqual({ k8s: { service: 'otel-sampler-collector-headless.otel', ports: [4317] } });
  });

  it('the resolver may watch EndpointSlices in the collector namespace, bound to the ServiceAccount tier 1 runs as', () => {
    const r = prod();
    const [role, binding] = r.objects('collector-loadbalancing-rbac') as any[];
    expect(role.rules).toEqual([{ apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] }]);
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: tier1(r).spec.serviceAccount, namespace: 'otel' }]);
    // without teams tier 1 runs as the operator's default ServiceAccount <name>-collector
    const noTeams = renderComponent('collector', { ...SAMPLED, teams: null, sampling: { ...SAMPLING, teams: {} } });
    expect(noTeams.errors).toEqual([]);
    expect(tier1(noTeams).spec).not.toHaveProperty('serviceAccount');
    expect((noTeams.objects('collector-loadbalancing-rbac')[1] as any).subjects[0].name).toBe('otel-collector');
  });

  it('tier 2: metrics from every span in a pipeline without the sampler, then tail_sampling, then the tenant routing', () => {
    const cfg = tier2().spec.config;
    const p = cfg.service.pipelines;
    expect(p[SAMPLING_PIPELINES.metricsFromSpans]).toEqual({ receivers: ['otlp'], processors: ['memory_limiter'], exporters: ['span_metrics', 'service_graph'] });
    expect(p[SAMPLING_PIPELINES.sampled]).toEqual({ receivers: ['otlp'], processors: ['memory_limiter', 'tail_sampling', 'batch'], exporters: ['routing'] });
    expect(p[SAMPLING_PIPELINES.metrics]).toEqual({ receivers: ['span_metrics', 'service_graph'], processors: ['memory_limiter', 'attributes/sampler-pod', 'batch'], exporters: ['prometheus_remote_write'] });
    expect(cfg.exporters.prometheus_remote_write).toEqual({ endpoint: 'http://prometheus-operated.monitoring.svc:9090/api/v1/write' });
    // named like Tempo's generator: traces_spanmetrics_calls_total, traces_spanmetrics_duration_seconds_bucket
    expect(cfg.connectors.span_metrics).toEqual({ namespace: 'traces.spanmetrics', histogram: { unit: 's' }, exclude_dimensions: ['collector.instance.id'] });
    // tier 2 must not re-derive the namespace from the connection (that would be tier 1's pod)
    expect(cfg.processors).not.toHaveProperty('k8s_attributes');
  });

  it("tier 2's metric series differ per pod: the pod's name (POD_NAME from metadata.name) on every data point of the metrics pipeline", () => {
    const t2 = tier2();
    expect(t2.spec.replicas).toBe(3); // three pods each counting every service: without the label, three counters per series
    expect(t2.spec.env).toEqual([{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]);
    const cfg = t2.spec.config;
    expect(cfg.processors['attributes/sampler-pod']).toEqual({ actions: [{ key: 'otelcol_sampler_pod', value: '${env:POD_NAME}', action: 'upsert' }] });
    // on the pipeline that carries both connectors' output to remote write, and nowhere else (spans keep their attributes)
    const using = Object.entries<any>(cfg.service.pipelines).filter(([, p]) => (p.processors ?? []).includes('attributes/sampler-pod')).map(([n]) => n);
    expect(using).toEqual([SAMPLING_PIPELINES.metrics]);
    // one per-pod label, not two: span_metrics' random collector.instance.id is excluded; no resource attributes copied into labels
    expect(cfg.connectors.span_metrics.exclude_dimensions).toEqual(['collector.instance.id']);
    expect(cfg.exporters.prometheus_remote_write).not.toHaveProperty('resource_to_telemetry_conversion');
    // with one replica too (a rollout's surge pod runs beside the old one)
    const one = renderComponent('collector', { ...SAMPLED, sampling: { ...SAMPLING, tier2: { ...SAMPLING.tier2, replicas: 1 } } });
    expect(one.errors).toEqual([]);
    expect(tier2(one).spec.config.service.pipelines[SAMPLING_PIPELINES.metrics].processors).toContain('attributes/sampler-pod');
  });

  it("each team's kept spans reach its tenant through both tiers; other namespaces the platform tenant", () => {
    const r = prod();
    // tier 1 sets k8s.namespace.name from the sending pod; the attribute travels to tier 2, whose routing reads it
    expect(tier1(r).spec.config.processors.k8s_attributes.extract.metadata).toContain('k8s.namespace.name');
    const span = (ns: string) => ({ resource: { 'k8s.namespace.name': ns }, attributes: {} });
    expect(route(tier2(r), span('shop'))).toBe('shop');
    expect(route(tier2(r), span('payments'))).toBe('payments');
    expect(route(tier2(r), span('ingress-nginx'))).toBe('platform');
    for (const tenant of ['platform', 'shop', 'payments']) expect(tier2(r).spec.config.exporters[`otlp_grpc/${tenant}`].endpoint).toBe('tempo-distributor.tempo.svc.cluster.local:4317');
  });

  it('policies: health checks dropped, errors and slow traces kept, a per-team baseline, the global baseline without that team', () => {
    const ps = policies();
    expect(ps.map((p) => `${p.name}:${p.type}`)).toEqual([
      'drop-health-checks-url-path:drop',
      'drop-health-checks-http-target:drop',
      'errors:status_code',
      'latency:latency',
      'team-payments-baseline:and',
      'baseline:and',
    ]);
    expect(ps[0].drop.drop_sub_policy[0].string_attribute).toEqual({ key: 'url.path', values: ['/healthz', '/readyz', '/livez', '/health'] });
    expect(ps[2].status_code).toEqual({ status_codes: ['ERROR'] });
    expect(ps[3].latency).toEqual({ threshold_ms: 2000 });
    expect(ps[4].and.and_sub_policy).toEqual([
      { name: 'team-payments-namespaces', type: 'string_attribute', string_attribute: { key: 'k8s.namespace.name', values: ['payments'] } },
      { name: 'team-payments-percent', type: 'probabilistic', probabilistic: { sampling_percentage: 25 } },
    ]);
    // inverted inside the `and`: a non-match is a plain NotSampled there, never a veto over the error policy
    expect(ps[5].and.and_sub_policy).toEqual([
      { name: 'not-a-team-with-its-own-baseline', type: 'string_attribute', string_attribute: { key: 'k8s.namespace.name', values: ['payments'], invert_match: true } },
      { name: 'baseline-percent', type: 'probabilistic', probabilistic: { sampling_percentage: 5 } },
    ]);
    expect(tier2().spec.config.processors.tail_sampling).toMatchObject({ decision_wait: '30s', num_traces: 50000 });
  });

  it('policy switches: no errors policy, no health-check drop, no team baselines -> a plain probabilistic baseline', () => {
    const r = renderComponent('collector', { ...SAMPLED, sampling: { ...SAMPLING, teams: {}, decisionWait: '1m', policies: { errors: false, dropHealthChecks: false, latencyThreshold: '500ms', baselinePercent: 1 } } });
    expect(r.errors).toEqual([]);
    expect(policies(r)).toEqual([
      { name: 'latency', type: 'latency', latency: { threshold_ms: 500 } },
      { name: 'baseline', type: 'probabilistic', probabilistic: { sampling_percentage: 1 } },
    ]);
    expect(tier2(r).spec.config.processors.tail_sampling.decision_wait).toBe('1m');
  });

  it("mode none renders today's single collector: no tier 2, no loadbalancing, tenant routing in the one collector", () => {
    const r = renderComponent('collector', { ...SAMPLED, sampling: null });
    expect(r.units.map((u) => u.id)).toEqual(['collector-rbac', 'collector']);
    const cfg = tier1(r).spec.config;
    expect(cfg.exporters).not.toHaveProperty('load_balancing');
    expect(cfg.service.pipelines.traces.exporters).toEqual(['routing']);
  });

  it("Tempo's metrics generator leaves service graphs and span metrics to the collector when sampling is on", () => {
    const on = renderComponent('tempo', SAMPLED).values('tempo');
    expect(on.overrides.defaults.metrics_generator.processors).toEqual([]);
    const off = renderComponent('tempo').values('tempo');
    expect(off.overrides.defaults.metrics_generator.processors).toEqual(['service-graphs', 'span-metrics']);
    // Tempo admits only the writer: tier 2
    const policy = (renderComponent('tempo', SAMPLED).unit<KustomizeUnit>('tempo-access').objects[0] as any).spec.ingress[1].from[0].podSelector.matchLabels;
    expect(policy['app.kubernetes.io/instance']).toBe('otel.otel-sampler');
  });

  it('the trace-path graph draws tier 2: balanced by trace id, metrics to Prometheus, the tenants from tier 2', () => {
    const g = traceGraph(sampledInput().env);
    const edge = (from: string, to: string) => g.edges.find((e) => e.from === from && e.to === to);
    expect(edge('collector', 'collector_sampler')?.lines).toEqual(['load balancing by traceID', 'OTLP gRPC :4317']);
    expect(edge('collector_sampler', 'prometheus')?.lines[1]).toMatch(/before sampling/);
    for (const t of ['platform', 'shop', 'payments']) expect(edge('collector_sampler', `tenant_${t}`)).toBeDefined();
    expect(g.edges.filter((e) => e.from === 'collector' && e.to !== 'collector_sampler')).toEqual([]); // tier 1 sends nowhere else
    expect(g.nodes.find((n) => n.id === 'tempo_metrics_generator')?.lines).toEqual(['no processors (the collector computes the metrics)']);
  });
});
