import type { HelmUnit } from '../../components/types.js';
import { get, helmUnit, obj, ptr, type BehaviourRule, type Finding } from './types.js';

/**
 * Tempo's metrics generator writes service-graph and span metrics to Prometheus by remote write. The Prometheus
 * that kube-prometheus-stack renders serves /api/v1/write only with the remote-write receiver on: the chart copies
 * prometheus.prometheusSpec.enableRemoteWriteReceiver into the Prometheus object only when it is true
 * (prometheus-community/helm-charts kube-prometheus-stack-88.5.3 templates/prometheus/prometheus.yaml), and the
 * operator turns that field into Prometheus's --web.enable-remote-write-receiver flag (monitoring.coreos.com/v1
 * Prometheus CRD, field enableRemoteWriteReceiver, in ../shared/upstream). Without it every write answers 404: no
 * service map, no span metrics, no exemplars.
 */
export const remoteWriteReceiver: BehaviourRule = {
  id: 'remote-write-receiver',
  prevents: "a metrics generator (or, with tail sampling, the collector's tier 2) writing to the rendered Prometheus while its remote-write receiver is off (every write 404: empty service map)",
  source: 'prometheus-community/helm-charts kube-prometheus-stack-88.5.3 templates/prometheus/prometheus.yaml; monitoring.coreos.com/v1 Prometheus CRD enableRemoteWriteReceiver',
  check(ctx) {
    const prometheus = helmUnit(ctx.units, 'prometheus');
    if (!prometheus) return [];
    const writers = ctx.units.filter((u): u is HelmUnit => u.kind === 'helm' && get(u.values, 'metricsGenerator.enabled') === true);
    const target = ctx.names.prometheusRemoteWriteUrl;
    const writing = writers
      .filter((u) => JSON.stringify(get(u.values, 'metricsGenerator.config.storage.remote_write') ?? []).includes(JSON.stringify(target).slice(1, -1)))
      .map((u) => ({ release: u.release }));
    // With tail sampling the collector's tier 2 writes span metrics and the service graph (prometheusremotewrite exporter).
    for (const u of ctx.units) {
      if (u.kind !== 'kustomize') continue;
      for (const c of u.objects.filter((o) => o.kind === 'OpenTelemetryCollector')) {
        const exporters = Object.entries(obj(obj(obj(c.spec).config).exporters));
        if (exporters.some(([id, e]) => /^prometheus_?remote_?write(\/.*)?$/.test(id) && obj(e).endpoint === target)) writing.push({ release: `collector ${c.metadata.name}` });
      }
    }
    if (!writing.length || get(prometheus.values, 'prometheus.prometheusSpec.enableRemoteWriteReceiver') === true) return [];
    const field = ptr('spec', 'prometheus', 'values', 'prometheus', 'prometheusSpec', 'enableRemoteWriteReceiver');
    const out: Finding[] = [
      {
        pointer: ctx.written(field) ? field : ptr('spec', 'prometheus'),
        message: `${writing.map((u) => u.release).join(' and ')} write${writing.length === 1 ? 's' : ''} metrics to ${target}, but the rendered Prometheus has its remote-write receiver off: every write is refused (404), so the service map and span metrics stay empty`,
        suggestion: 'Remove spec.prometheus.values.prometheus.prometheusSpec.enableRemoteWriteReceiver (tracestack turns it on), or set spec.tempo.metricsGenerator.enabled: false (and spec.sampling.mode: none).',
      },
    ];
    return out;
  },
};
