import { defineComponent, type ChartDescription } from '../types.js';
import { TPL } from './tpl.js';

const WAVES = { edges: 15 } as const;
export const GRAFANA_CHART: ChartDescription = { key: 'grafana', repo: 'grafana-community', repoURL: 'https://grafana-community.github.io/helm-charts', chart: 'grafana', known: ['12.11.1'] };
import { chartFor } from '../charts.js';
import { RELEASES, TENANT_HEADER, type Names, type Tenant } from '../names.js';
import { TRACE_ID_REGEX } from '../access-log.js';
import { withPassThrough } from '../values.js';
import { EXEMPLAR_TRACE_ID_LABEL } from '../tempo/index.js';
import type { Team } from '../../model.js';

/** Grafana expands $VAR in provisioning files, so a literal `$` must be written `$$`. */
export const grafanaLiteral = (s: string) => s.replace(/\$/g, '$$$$');

function tempoDatasource(names: Names): Record<string, unknown> {
  const uid = names.datasourceUids;
  return {
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
  };
}

/**
 * The Tempo datasource of one tenant: X-Scope-OrgID from secureJsonData (never shown to viewers), provisioned
 * read-only, in the team's organisation; trace-to-logs, trace-to-metrics and the service map as for the platform.
 */
function tenantTempoDatasource(names: Names, tenant: Tenant, orgId: number): Record<string, unknown> {
  const { jsonData, ...rest } = tempoDatasource(names);
  return {
    ...rest,
    name: tenant.datasourceName,
    uid: tenant.datasourceUid,
    ...(orgId !== MAIN_ORG ? { orgId } : {}),
    editable: false,
    jsonData: { ...(jsonData as object), httpHeaderName1: TENANT_HEADER },
    secureJsonData: { httpHeaderValue1: tenant.id },
  };
}

/**
 * Loki with one derived field per Tempo datasource of its organisation: a trace id in a log line links to every
 * tenant the viewer can query there (with tenants, the log line does not say which tenant holds the trace).
 */
function lokiDatasource(names: Names, lokiUrl: string, tempo: Array<{ uid: string; label?: string }>, orgId = MAIN_ORG): Record<string, unknown> {
  return {
    name: 'Loki',
    uid: names.datasourceUids.loki,
    type: 'loki',
    access: 'proxy',
    url: lokiUrl,
    ...(orgId !== MAIN_ORG ? { orgId } : {}),
    jsonData: {
      derivedFields: tempo.map((t) => ({
        name: t.label ? `TraceID (${t.label})` : 'TraceID',
        datasourceUid: t.uid,
        matcherRegex: TRACE_ID_REGEX,
        url: grafanaLiteral('${__value.raw}'),
        urlDisplayLabel: t.label ? `View trace in ${t.label}` : 'View trace',
      })),
    },
  };
}

function prometheusDatasource(names: Names, tempoUid: string, orgId = MAIN_ORG): Record<string, unknown> {
  return {
    name: 'Prometheus',
    uid: names.datasourceUids.prometheus,
    type: 'prometheus',
    access: 'proxy',
    url: names.prometheusUrl,
    ...(orgId !== MAIN_ORG ? { orgId } : {}),
    jsonData: {
      httpMethod: 'POST',
      // The exemplar label Tempo's metrics generator writes the trace id under (components/tempo EXEMPLAR_TRACE_ID_LABEL).
      exemplarTraceIdDestinations: [{ name: EXEMPLAR_TRACE_ID_LABEL, datasourceUid: tempoUid }],
    },
  };
}

/** Grafana's default organisation; provisioning puts a datasource there unless it names another. */
const MAIN_ORG = 1;

export function datasources(names: Names, lokiUrl: string, teams: Team[] = []): Array<Record<string, unknown>> {
  const uid = names.datasourceUids;
  const tenancy = names.tenancy;
  if (!tenancy) return [tempoDatasource(names), lokiDatasource(names, lokiUrl, [{ uid: uid.tempo }]), prometheusDatasource(names, uid.tempo)];
  const orgOf = (t: Tenant) => teams.find((team) => team.name === t.team)?.grafanaOrgId ?? MAIN_ORG;
  const teamTenants = tenancy.tenants.filter((t) => t.team !== undefined);
  // Datasource links are by uid within one organisation: a team organisation gets its own Loki and Prometheus,
  // linking back to the (first) team datasource there.
  const otherOrgs = [...new Set(teamTenants.map(orgOf))].filter((o) => o !== MAIN_ORG).sort((a, b) => a - b);
  const firstIn = (org: number) => teamTenants.find((t) => orgOf(t) === org)!.datasourceUid;
  const tempoIn = (org: number) => [
    ...(org === MAIN_ORG ? [{ uid: tenancy.platform.datasourceUid, label: tenancy.platform.id }] : []),
    ...teamTenants.filter((t) => orgOf(t) === org).map((t) => ({ uid: t.datasourceUid, label: t.id })),
  ];
  return [
    // Multi-tenant Tempo refuses requests without a tenant: the platform datasource reads the platform tenant.
    tenantTempoDatasource(names, tenancy.platform, MAIN_ORG),
    lokiDatasource(names, lokiUrl, tempoIn(MAIN_ORG)),
    prometheusDatasource(names, tenancy.platform.datasourceUid),
    ...teamTenants.map((t) => tenantTempoDatasource(names, t, orgOf(t))),
    ...otherOrgs.flatMap((org) => [lokiDatasource(names, lokiUrl, tempoIn(org), org), prometheusDatasource(names, firstIn(org), org)]),
  ];
}

/** Grafana with the three datasources provisioned under pinned uids. */
export const grafana = defineComponent({
  id: 'grafana',
  specKey: 'grafana',
  charts: [GRAFANA_CHART],
  waves: WAVES,
  provides: ['grafana'],
  platformNamespace: (env) => (env.spec.grafana.enabled ? { path: 'spec.grafana.namespace', namespace: env.spec.grafana.namespace } : undefined),
  passThrough: [
    // grafana.ini sections and provisioning files are free-form
    { at: ['grafana', 'values'], chart: 'grafana', tpl: TPL, freeForm: [['grafana.ini'], ['datasources'], ['dashboards'], ['dashboardProviders'], ['alerting'], ['notifiers']] },
  ],
  units(env, names) {
    const g = env.spec.grafana;
    if (!g.enabled) return [];
    const values: Record<string, unknown> = {
      ...(g.adminSecret ? { admin: { existingSecret: g.adminSecret.name, userKey: 'admin-user', passwordKey: 'admin-password' } } : {}),
      // grafana-community/helm-charts grafana-12.11.1 values.yaml persistence.* (templates/pvc.yaml, mounted at /var/lib/grafana).
      ...(g.persistence.enabled ? { persistence: { enabled: true, type: 'pvc', size: String(g.persistence.size) } } : {}),
      datasources: { 'datasources.yaml': { apiVersion: 1, datasources: datasources(names, g.lokiUrl, env.spec.teams) } },
    };
    return [
      {
        kind: 'helm',
        id: 'grafana',
        release: RELEASES.grafana,
        namespace: g.namespace,
        chart: chartFor(env, GRAFANA_CHART),
        passThrough: 'spec.grafana.values',
        values: withPassThrough(values, g.values),
        wave: WAVES.edges,
        needs: env.spec.tempo.enabled ? [names.tempoUnit] : [],
        syncOptions: ['CreateNamespace=true'],
        argocd: true,
      },
    ];
  },
});
