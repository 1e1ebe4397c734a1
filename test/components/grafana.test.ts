import { describe, expect, it } from 'vitest';
import { renderComponent } from '../helpers/component.js';

const datasources = (r: ReturnType<typeof renderComponent>): any[] => r.values('grafana').datasources['datasources.yaml'].datasources;

describe('component grafana', () => {
  it('after Tempo, with Tempo, Loki and Prometheus under pinned uids, linked to each other', () => {
    const r = renderComponent('grafana');
    expect(r.errors).toEqual([]);
    const u = r.unit('grafana');
    expect(u).toMatchObject({ namespace: 'grafana', needs: ['tempo'] });
    expect(u.wave).toBeGreaterThan(renderComponent('tempo').unit('tempo').wave);
    const [tempo, loki, prom] = datasources(r);
    expect([tempo.type, loki.type, prom.type]).toEqual(['tempo', 'loki', 'prometheus']);
    expect(tempo.url).toBe('http://tempo-query-frontend.tempo.svc.cluster.local:3200');
    expect(tempo.jsonData.tracesToMetrics.datasourceUid).toBe(prom.uid);
    expect(loki.url).toBe('http://loki-gateway.loki.svc');
    expect(prom.url).toBe('http://prometheus-operated.monitoring.svc:9090');
    // single tenant: no tenant header anywhere
    expect(JSON.stringify(datasources(r))).not.toContain('X-Scope-OrgID');
  });

  it("exemplars link by the label Tempo's metrics generator writes the trace id under", () => {
    const prom = datasources(renderComponent('grafana'))[2];
    const label = renderComponent('tempo').values('tempo').overrides.defaults.metrics_generator.trace_id_label_name;
    expect(prom.jsonData.exemplarTraceIdDestinations).toEqual([{ name: label, datasourceUid: 'tempo' }]);
  });

  it('every literal $ in provisioning is doubled (Grafana expands $VAR in provisioning files)', () => {
    const text = JSON.stringify(datasources(renderComponent('grafana', {}, 'teams-demo')));
    expect(text).toContain('$${__trace.traceId}');
    expect(text.replace(/\$\$/g, '')).not.toContain('$');
  });

  it('with teams: each tenant datasource sends its tenant in X-Scope-OrgID from secureJsonData, read-only', () => {
    const r = renderComponent('grafana', {}, 'teams-demo');
    expect(r.errors).toEqual([]);
    const tempos = datasources(r).filter((d) => d.type === 'tempo');
    expect(tempos.map((d) => [d.uid, d.name, d.jsonData.httpHeaderName1, d.secureJsonData.httpHeaderValue1, d.editable])).toEqual([
      ['tempo', 'Tempo', 'X-Scope-OrgID', 'platform', false],
      ['tempo-shop', 'Tempo (shop)', 'X-Scope-OrgID', 'shop', false],
      ['tempo-payments', 'Tempo (payments)', 'X-Scope-OrgID', 'payments', false],
    ]);
    // the header value is secret-side, never in jsonData where viewers can read it
    for (const d of tempos) expect(JSON.stringify(d.jsonData)).not.toContain(`"${d.secureJsonData.httpHeaderValue1}"`);
  });

  it("a team in another organisation gets its datasource there, with that organisation's own Loki and Prometheus", () => {
    const r = renderComponent('grafana', { grafana: { existingOrgIds: [2] }, teams: [{ name: 'payments', namespaces: ['payments'], languages: ['python'], grafanaOrgId: 2 }] }, 'teams-demo');
    expect(r.errors).toEqual([]);
    const inOrg2 = datasources(r).filter((d) => d.orgId === 2);
    expect(inOrg2.map((d) => [d.type, d.uid])).toEqual([
      ['tempo', 'tempo-payments'],
      ['loki', 'loki'],
      ['prometheus', 'prometheus'],
    ]);
    expect(inOrg2[2].jsonData.exemplarTraceIdDestinations[0].datasourceUid).toBe('tempo-payments');
    expect(inOrg2[1].jsonData.derivedFields.map((f: any) => f.datasourceUid)).toEqual(['tempo-payments']);
  });

  it('adminSecret and persistence reach the chart values; disabled renders nothing', () => {
    const v = renderComponent('grafana', { grafana: { persistence: { enabled: true, size: '5Gi' } } }).values('grafana');
    expect(v.admin).toEqual({ existingSecret: 'grafana-admin', userKey: 'admin-user', passwordKey: 'admin-password' });
    expect(v.persistence).toEqual({ enabled: true, type: 'pvc', size: '5Gi' });
    expect(renderComponent('grafana', { grafana: { enabled: false } }).units).toEqual([]);
  });
});
