import type { Component } from '../types.js';
import { WAVES } from '../types.js';
import { chartFor } from '../charts.js';
import { RELEASES } from '../names.js';
import { webhookCaBundleDiffs, withPassThrough } from '../values.js';

/**
 * The OpenTelemetry Operator. Its webhook certificate comes from cert-manager: the chart's self-generated
 * certificate is re-created on every Argo CD render (helm template has no lookup), a permanent OutOfSync.
 */
export const otelOperator: Component = {
  id: 'otel-operator',
  units(env) {
    const s = env.spec.otelOperator;
    if (!s.enabled) return [];
    return [
      {
        kind: 'helm',
        id: 'otel-operator',
        release: RELEASES.otelOperator,
        namespace: s.namespace,
        chart: chartFor(env, 'otel-operator'),
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
};
