import { defineComponent, type ChartDescription } from '../types.js';
import { TPL } from './tpl.js';

const WAVES = { crds: -5 } as const;
export const PROMETHEUS_CHART: ChartDescription = { key: 'kube-prometheus-stack', repo: 'prometheus-community', repoURL: 'https://prometheus-community.github.io/helm-charts', chart: 'kube-prometheus-stack', known: ['88.5.3'] };
import { chartFor } from '../charts.js';
import { RELEASES } from '../names.js';
import { withPassThrough } from '../values.js';

/**
 * The Prometheus that receives the metrics generator's remote write. Mode external renders nothing (the URL is
 * used by Tempo and Grafana); mode deploy installs kube-prometheus-stack with the remote-write receiver on.
 */
export const prometheus = defineComponent({
  id: 'prometheus',
  specKey: 'prometheus',
  charts: [PROMETHEUS_CHART],
  waves: WAVES,
  provides: ['prometheus'],
  platformNamespace: (env) => (env.spec.prometheus.mode === 'deploy' ? { path: 'spec.prometheus.namespace', namespace: env.spec.prometheus.namespace } : undefined),
  passThrough: [
    // the Prometheus and Alertmanager custom resources' specs, and Alertmanager's own config, are free-form
    { at: ['prometheus', 'values'], chart: 'kube-prometheus-stack', tpl: TPL, freeForm: [['prometheus', 'prometheusSpec'], ['alertmanager', 'config'], ['alertmanager', 'alertmanagerSpec']] },
  ],
  units(env) {
    const p = env.spec.prometheus;
    if (p.mode !== 'deploy') return [];
    return [
      {
        kind: 'helm',
        id: 'prometheus',
        release: RELEASES.prometheus,
        namespace: p.namespace,
        chart: chartFor(env, PROMETHEUS_CHART),
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
});
