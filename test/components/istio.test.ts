import { describe, expect, it } from 'vitest';
import { renderComponent } from '../helpers/component.js';
import type { KustomizeUnit } from '../../src/components/types.js';

describe('component istio', () => {
  it('base (CRDs) before istiod before the mesh Telemetry: waves and needs in that order', () => {
    const r = renderComponent('istio');
    expect(r.errors).toEqual([]);
    expect(r.units.map((u) => [u.id, u.namespace, u.needs])).toEqual([
      ['istio-base', 'istio-system', []],
      ['istiod', 'istio-system', ['istio-base']],
      ['istio-telemetry', 'istio-system', ['istiod']],
    ]);
    const [base, istiod, telemetry] = r.units.map((u) => u.wave);
    expect(base).toBeLessThan(istiod);
    expect(istiod).toBeLessThan(telemetry);
  });

  it("istiod's OpenTelemetry extension provider points at the collector Service on OTLP/gRPC 4317", () => {
    // Istio's opentelemetry provider speaks OTLP/gRPC (istio 1.30.3 MeshConfig ExtensionProvider.OpenTelemetryTracingProvider).
    const r = renderComponent('istio', { collector: { name: 'edge', namespace: 'telemetry' }, istio: { providerName: 'mesh-otel' } });
    const mesh = r.values('istiod').meshConfig;
    expect(mesh.enableTracing).toBe(true);
    expect(mesh.extensionProviders).toEqual([{ name: 'mesh-otel', opentelemetry: { service: 'edge-collector.telemetry.svc.cluster.local', port: 4317 } }]);
  });

  it('the mesh-wide Telemetry is named mesh-default in the root namespace and samples the configured percentage', () => {
    const r = renderComponent('istio', { istio: { namespace: 'mesh', samplingPercentage: 7.5 } });
    expect(r.errors).toEqual([]);
    expect(r.unit<KustomizeUnit>('istio-telemetry').targetNamespaces).toEqual(['mesh']);
    const [t] = r.objects('istio-telemetry');
    expect(t).toMatchObject({ apiVersion: 'telemetry.istio.io/v1', kind: 'Telemetry', metadata: { name: 'mesh-default' } });
    expect(t.spec.tracing).toEqual([{ providers: [{ name: 'otel-tracing' }], randomSamplingPercentage: 7.5 }]);
    expect(t.spec.selector).toBeUndefined(); // a selector would make it a workload policy, not mesh-wide
    expect(r.values('istiod').global.istioNamespace).toBe('mesh');
  });

  it('istiodReplicas sets both replicaCount and the autoscaler minimum (else the HPA scales back to 1)', () => {
    const v = renderComponent('istio', { istio: { istiodReplicas: 3 } }).values('istiod');
    expect([v.replicaCount, v.autoscaleMin]).toEqual([3, 3]);
  });

  it("a revision reaches istiod and base's default-revision webhook; none means 'default'", () => {
    const r = renderComponent('istio', { istio: { revision: 'canary' } });
    expect(r.errors).toEqual([]);
    expect(r.values('istiod').revision).toBe('canary');
    expect(r.values('istio-base').defaultRevision).toBe('canary');
    const plain = renderComponent('istio');
    expect(plain.values('istiod')).not.toHaveProperty('revision');
    expect(plain.values('istio-base').defaultRevision).toBe('default');
  });

  it('access logs on by default in the text format with the traceparent; off removes every access-log key', () => {
    const on = renderComponent('istio').values('istiod').meshConfig;
    expect(on).toMatchObject({ accessLogFile: '/dev/stdout', accessLogEncoding: 'TEXT' });
    expect(on.accessLogFormat).toContain('%REQ(TRACEPARENT)%');
    const off = renderComponent('istio', { istio: { accessLog: false } }).values('istiod').meshConfig;
    expect(Object.keys(off).filter((k) => k.startsWith('accessLog'))).toEqual([]);
  });

  it('an existing Istio (install: false) gets only the Telemetry, with no need on an istiod it does not render', () => {
    const r = renderComponent('istio', {}, 'staging');
    expect(r.errors).toEqual([]);
    expect(r.units.map((u) => [u.id, u.needs])).toEqual([['istio-telemetry', []]]);
  });

  it('disabled: nothing', () => {
    expect(renderComponent('istio', { istio: { enabled: false } }).units).toEqual([]);
  });
});
