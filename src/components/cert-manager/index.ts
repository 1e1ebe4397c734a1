import type { Component } from '../types.js';
import { WAVES } from '../types.js';
import { chartFor } from '../charts.js';
import { RELEASES } from '../names.js';
import { webhookCaBundleDiffs, withPassThrough } from '../values.js';

/** cert-manager issues the OpenTelemetry Operator's webhook certificate (stable under Argo CD, unlike helm-generated certs). */
export const certManager: Component = {
  id: 'cert-manager',
  units(env) {
    const s = env.spec.certManager;
    if (!s.enabled) return [];
    return [
      {
        kind: 'helm',
        id: 'cert-manager',
        release: RELEASES.certManager,
        namespace: s.namespace,
        chart: chartFor(env, 'cert-manager'),
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
};
