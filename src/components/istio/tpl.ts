/**
 * Values paths the istiod chart renders through Helm's `tpl`: every line of its templates that calls `tpl`, and the
 * .Values path it renders (directly, or through the enclosing `range`/`with`), at the pinned version. Over-broad
 * rather than missing: a whole map is listed when the chart ranges over it.
 */
export const TPL = {
  source: 'istio/istio @ 1.30.3: manifests/charts/istio-control/istio-discovery/templates',
  paths: [
    'initContainers',
  ],
} as const;
