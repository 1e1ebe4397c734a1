import type { Component } from '../types.js';
import { WAVES } from '../types.js';
import { chartFor } from '../charts.js';
import { RELEASES } from '../names.js';
import { withPassThrough } from '../values.js';

/**
 * The Prometheus that receives the metrics generator's remote write. Mode external renders nothing (the URL is
 * used by Tempo and Grafana); mode deploy installs kube-prometheus-stack with the remote-write receiver on.
 */
export const prometheus: Component = {
  id: 'prometheus',
  units(env) {
    const p = env.spec.prometheus;
    if (p.mode !== 'deploy') return [];
    return [
      {
        kind: 'helm',
        id: 'prometheus',
        release: RELEASES.prometheus,
        namespace: p.namespace,
        chart: chartFor(env, 'kube-prometheus-stack'),
        passThrough: 'spec.prometheus.values',
        values: withPassThrough(
          {
            grafana: { enabled: false }, // tracestack's Grafana release owns the datasources
            prometheus: {
              prometheusSpec: {
                enableRemoteWriteReceiver: true, // without it /api/v1/write answers 404 and the service map stays empty
                enableFeatures: ['exemplar-storage'],
                retention: p.retention,
              },
            },
          },
          p.values,
        ),
        wave: WAVES.crds,
        needs: [],
        syncOptions: ['ServerSideApply=true', 'CreateNamespace=true'],
        argocd: true,
        crds: ['monitoring.coreos.com'],
      },
    ];
  },
};
