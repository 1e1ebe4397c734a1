import { defineComponent, type ChartDescription } from '../types.js';
import { TPL } from './tpl.js';

const WAVES = { certManager: -10 } as const;
export const CERT_MANAGER_CHART: ChartDescription = { key: 'cert-manager', repo: 'jetstack', repoURL: 'https://charts.jetstack.io', chart: 'cert-manager', known: ['v1.21.1'] };
import { chartFor } from '../charts.js';
import { RELEASES } from '../names.js';
import { webhookCaBundleDiffs, withPassThrough } from '../values.js';

/** cert-manager issues the OpenTelemetry Operator's webhook certificate (stable under Argo CD, unlike helm-generated certs). */
export const certManager = defineComponent({
  id: 'cert-manager',
  specKey: 'certManager',
  charts: [CERT_MANAGER_CHART],
  waves: WAVES,
  provides: ['cert-manager'],
  platformNamespace: (env) => (env.spec.certManager.enabled ? { path: 'spec.certManager.namespace', namespace: env.spec.certManager.namespace } : undefined),
  passThrough: [{ at: ['certManager', 'values'], chart: 'cert-manager', tpl: TPL }],
  units(env) {
    const s = env.spec.certManager;
    if (!s.enabled) return [];
    return [
      {
        kind: 'helm',
        id: 'cert-manager',
        release: RELEASES.certManager,
        namespace: s.namespace,
        chart: chartFor(env, CERT_MANAGER_CHART),
        // CRDs are off by default in the chart; keep them when the release is removed so certificates survive.
        passThrough: 'spec.certManager.values',
        values: withPassThrough({ crds: { enabled: true, keep: true } }, s.values),
        wave: WAVES.certManager,
        needs: [],
        syncOptions: ['ServerSideApply=true'],
        ignoreDifferences: webhookCaBundleDiffs(false),
        argocd: true,
        crds: ['cert-manager.io', 'acme.cert-manager.io'],
      },
    ];
  },
});
