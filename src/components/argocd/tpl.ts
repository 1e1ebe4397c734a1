/**
 * Values paths the argo-cd chart renders through Helm's `tpl`: every line of its templates that calls `tpl`, and the
 * .Values path it renders (directly, or through the enclosing `range`/`with`), at the pinned version. Over-broad
 * rather than missing: a whole map is listed when the chart ranges over it.
 */
export const TPL = {
  source: 'argoproj/argo-helm @ argo-cd-10.1.1: charts/argo-cd/templates',
  paths: [
    'applicationSet.extraContainers',
    'applicationSet.ingress.extraPaths',
    'applicationSet.ingress.extraRules',
    'applicationSet.initContainers',
    'controller.extraContainers',
    'controller.initContainers',
    'dex.extraContainers',
    'dex.initContainers',
    'global.domain',
    'global.env',
    'notifications.extraContainers',
    'notifications.initContainers',
    'redis.extraContainers',
    'redis.initContainers',
    'repoServer.extraContainers',
    'repoServer.initContainers',
    'server.extraContainers',
    'server.ingress.annotations',
    'server.ingress.extraHosts',
    'server.ingress.extraPaths',
    'server.ingress.extraRules',
    'server.ingress.extraTls',
    'server.ingress.hostname',
    'server.ingress.ingressClassName',
    'server.ingress.labels',
    'server.ingressGrpc.extraPaths',
    'server.ingressGrpc.extraRules',
    'server.initContainers',
  ],
} as const;
