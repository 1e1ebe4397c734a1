/**
 * Values paths the ingress-nginx chart renders through Helm's `tpl`: every line of its templates that calls `tpl`, and the
 * .Values path it renders (directly, or through the enclosing `range`/`with`), at the pinned version. Over-broad
 * rather than missing: a whole map is listed when the chart ranges over it.
 */
export const TPL = {
  source: 'kubernetes/ingress-nginx @ helm-chart-4.15.1: charts/ingress-nginx/templates',
  paths: [
    'controller.affinity',
    'controller.config',
    'controller.extraInitContainers',
    'controller.hostAliases',
    'controller.service.annotations',
    'controller.service.internal.annotations',
    'controller.topologySpreadConstraints',
    'defaultBackend.affinity',
    'defaultBackend.extraVolumes',
    'defaultBackend.topologySpreadConstraints',
    'tcp',
    'udp',
  ],
} as const;
