/**
 * Values paths the otel-operator chart renders through Helm's `tpl`: every line of its templates that calls `tpl`, and the
 * .Values path it renders (directly, or through the enclosing `range`/`with`), at the pinned version. Over-broad
 * rather than missing: a whole map is listed when the chart ranges over it.
 */
export const TPL = {
  source: 'open-telemetry/opentelemetry-helm-charts @ opentelemetry-operator-0.122.0: charts/opentelemetry-operator/templates',
  paths: [
    'additionalLabels',
    'manager.config',
    'manager.prometheusRule.annotations',
    'manager.prometheusRule.extraLabels',
    'manager.serviceAccount.annotations',
    'manager.serviceMonitor.annotations',
    'manager.serviceMonitor.extraLabels',
  ],
} as const;
