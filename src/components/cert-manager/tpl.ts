/**
 * Values paths the cert-manager chart renders through Helm's `tpl`: every line of its templates that calls `tpl`, and the
 * .Values path it renders (directly, or through the enclosing `range`/`with`), at the pinned version. Over-broad
 * rather than missing: a whole map is listed when the chart ranges over it.
 */
export const TPL = {
  source: 'cert-manager/cert-manager @ v1.21.1: deploy/charts/cert-manager/templates',
  paths: [
    'serviceAccount.annotations',
  ],
} as const;
