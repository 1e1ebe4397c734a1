import { defineComponent, type ChartDescription } from '../types.js';
import { TPL } from './tpl.js';

const WAVES = { operators: 0 } as const;
export const OTEL_OPERATOR_CHART: ChartDescription = { key: 'otel-operator', repo: 'open-telemetry', repoURL: 'https://open-telemetry.github.io/opentelemetry-helm-charts', chart: 'opentelemetry-operator', known: ['0.122.0'] };
import { chartFor } from '../charts.js';
import { RELEASES } from '../names.js';
import { webhookCaBundleDiffs, withPassThrough } from '../values.js';

/**
 * The OpenTelemetry Operator. Its webhook certificate comes from cert-manager: the chart's self-generated
 * certificate is re-created on every Argo CD render (helm template has no lookup), a permanent OutOfSync.
 */
export const otelOperator = defineComponent({
  id: 'otel-operator',
  specKey: 'otelOperator',
  charts: [OTEL_OPERATOR_CHART],
  waves: WAVES,
  provides: ['otel-operator'],
  platformNamespace: (env) => (env.spec.otelOperator.enabled ? { path: 'spec.otelOperator.namespace', namespace: env.spec.otelOperator.namespace } : undefined),
  passThrough: [{ at: ['otelOperator', 'values'], chart: 'otel-operator', tpl: TPL }],
  units(env) {
    const s = env.spec.otelOperator;
    if (!s.enabled) return [];
    return [
      {
        kind: 'helm',
        id: 'otel-operator',
        release: RELEASES.otelOperator,
        namespace: s.namespace,
        chart: chartFor(env, OTEL_OPERATOR_CHART),
        passThrough: 'spec.otelOperator.values',
        values: withPassThrough(
          {
            manager: {
              collectorImage: { repository: 'ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s' },
              autoInstrumentation: { go: { enabled: s.goInstrumentation } },
            },
            admissionWebhooks: { certManager: { enabled: true }, autoGenerateCert: { enabled: false } },
          },
          s.values,
        ),
        wave: WAVES.operators,
        needs: env.spec.certManager.enabled ? ['cert-manager'] : [],
        // The operator's CRDs exceed the client-side apply annotation limit; the certificate is a cert-manager CR.
        syncOptions: ['ServerSideApply=true', 'SkipDryRunOnMissingResource=true', 'RespectIgnoreDifferences=true'],
        ignoreDifferences: [
          // cert-manager's CA injector writes these at runtime.
          ...webhookCaBundleDiffs(false),
          { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition', jqPathExpressions: ['.spec.conversion.webhook.clientConfig.caBundle'] },
        ],
        argocd: true,
        crds: ['opentelemetry.io'],
      },
    ];
  },
});
