import { describe, expect, it } from 'vitest';
import { renderComponent } from '../helpers/component.js';
import type { HelmUnit } from '../../src/components/types.js';

const deploy = { prometheus: { mode: 'deploy', url: null, retention: '3d' } };

describe('component prometheus', () => {
  it('mode external renders nothing (the URL is only read by Tempo and Grafana)', () => {
    const r = renderComponent('prometheus');
    expect(r.errors).toEqual([]);
    expect(r.env?.spec.prometheus.mode).toBe('external');
    expect(r.units).toEqual([]);
  });

  it("mode deploy: kube-prometheus-stack with the remote-write receiver Tempo's metrics generator writes to", () => {
    const r = renderComponent('prometheus', deploy);
    expect(r.errors).toEqual([]);
    const u = r.unit<HelmUnit>('prometheus');
    expect(u).toMatchObject({ namespace: 'monitoring', needs: [], crds: ['monitoring.coreos.com'] });
    const spec = u.values.prometheus as any;
    // without the receiver /api/v1/write answers 404 (prometheus-operator PrometheusSpec.enableRemoteWriteReceiver)
    expect(spec.prometheusSpec).toMatchObject({ enableRemoteWriteReceiver: true, retention: '3d' });
    expect(spec.prometheusSpec.enableFeatures).toContain('exemplar-storage');
    // tracestack's own Grafana release owns the datasources; the chart's bundled one would be a second Grafana
    expect(u.values.grafana).toEqual({ enabled: false });
  });

  it('syncs before Tempo, which writes to it and needs it when the metrics generator runs', () => {
    const prom = renderComponent('prometheus', deploy).unit('prometheus');
    const tempo = renderComponent('tempo', deploy).unit('tempo');
    expect(prom.wave).toBeLessThan(tempo.wave);
    expect(tempo.needs).toContain('prometheus');
    expect(renderComponent('tempo', { ...deploy, tempo: { metricsGenerator: { enabled: false } } }).unit('tempo').needs).not.toContain('prometheus');
  });

  it("a pass-through prometheusSpec key merges beside the receiver, it does not replace the spec", () => {
    const r = renderComponent('prometheus', { prometheus: { ...deploy.prometheus, values: { prometheus: { prometheusSpec: { externalLabels: { cluster: 'dev' } } } } } });
    expect(r.errors).toEqual([]);
    expect(r.values('prometheus').prometheus.prometheusSpec).toMatchObject({ enableRemoteWriteReceiver: true, externalLabels: { cluster: 'dev' } });
  });
});
