import type { Component } from '../types.js';
import { WAVES } from '../types.js';
import { chartFor } from '../charts.js';
import { RELEASES } from '../../resolve/names.js';
import { TRACE_ID_REGEX } from '../../resolve/accessLog.js';
import { withPassThrough } from '../values.js';
import type { Names } from '../../resolve/names.js';

/** Grafana expands $VAR in provisioning files, so a literal `$` must be written `$$`. */
export const grafanaLiteral = (s: string) => s.replace(/\$/g, '$$$$');

export function datasources(names: Names, lokiUrl: string): Array<Record<string, unknown>> {
  const uid = names.datasourceUids;
  return [
    {
      name: 'Tempo',
      uid: uid.tempo,
      type: 'tempo',
      access: 'proxy',
      url: names.tempoQueryFrontendUrl,
      jsonData: {
        tracesToLogsV2: {
          datasourceUid: uid.loki,
          spanStartTimeShift: '-5m',
          spanEndTimeShift: '5m',
          filterByTraceID: false,
          filterBySpanID: false,
          customQuery: true,
          // The access-log line carries the trace id, whichever pod or namespace logged it.
          query: grafanaLiteral('{namespace=~".+"} |= "${__trace.traceId}"'),
        },
        tracesToMetrics: {
          datasourceUid: uid.prometheus,
          tags: [{ key: 'service.name', value: 'service' }],
          queries: [{ name: 'Request rate', query: grafanaLiteral('sum(rate(traces_spanmetrics_calls_total{$__tags}[5m]))') }],
        },
        serviceMap: { datasourceUid: uid.prometheus },
        nodeGraph: { enabled: true },
        search: { hide: false },
        traceQuery: { timeShiftEnabled: true, spanStartTimeShift: '-1h', spanEndTimeShift: '1h' },
      },
    },
    {
      name: 'Loki',
      uid: uid.loki,
      type: 'loki',
      access: 'proxy',
      url: lokiUrl,
      jsonData: {
        derivedFields: [
          {
            name: 'TraceID',
            datasourceUid: uid.tempo,
            matcherRegex: TRACE_ID_REGEX,
            url: grafanaLiteral('${__value.raw}'),
            urlDisplayLabel: 'View trace',
          },
        ],
      },
    },
    {
      name: 'Prometheus',
      uid: uid.prometheus,
      type: 'prometheus',
      access: 'proxy',
      url: names.prometheusUrl,
      jsonData: {
        httpMethod: 'POST',
        exemplarTraceIdDestinations: [{ name: 'trace_id', datasourceUid: uid.tempo }],
      },
    },
  ];
}

/** Grafana with the three datasources provisioned under pinned uids. */
export const grafana: Component = {
  id: 'grafana',
  units(env, names) {
    const g = env.spec.grafana;
    if (!g.enabled) return [];
    const values: Record<string, unknown> = {
      ...(g.adminSecret ? { admin: { existingSecret: g.adminSecret.name, userKey: 'admin-user', passwordKey: 'admin-password' } } : {}),
      datasources: { 'datasources.yaml': { apiVersion: 1, datasources: datasources(names, g.lokiUrl) } },
    };
    return [
      {
        kind: 'helm',
        id: 'grafana',
        release: RELEASES.grafana,
        namespace: g.namespace,
        chart: chartFor(env, 'grafana'),
        values: withPassThrough(values, g.values),
        wave: WAVES.edges,
        needs: env.spec.tempo.enabled ? ['tempo'] : [],
        syncOptions: ['CreateNamespace=true'],
        argocd: true,
      },
    ];
  },
};
