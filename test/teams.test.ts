import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { InputFile } from '../src/load/environments.js';
import { validateInputs } from '../src/pipeline.js';
import { kustomizeBuild } from './helpers/kustomize.js';
import { listFiles, REPO, runCli, scratchRepo } from './helpers/repo.js';

/*
 * Everything in the first block reads only the committed out/ tree (kubectl kustomize for the overlays, the YAML
 * values files for the Helm releases): it checks what Argo CD would apply, not tracestack's own data structures.
 */
const OUT = join(REPO, 'out');
const ENV = 'teams-demo';
const readOut = (p: string) => parse(readFileSync(join(OUT, p), 'utf8'));

interface Wiring {
  /** namespace -> tenant the collector's routing sends its spans to (X-Scope-OrgID of the exporter). */
  routed: Map<string, string>;
  /** tenant of spans from namespaces of no team (the routing default). */
  defaultTenant: string;
  /** every tenant any exporter to Tempo sends. */
  sent: Set<string>;
  /** team -> namespaces, from the team AppProjects. */
  teams: Map<string, string[]>;
  /** Tempo datasources: name, uid, orgId and the tenant each queries (undefined: no tenant header). */
  datasources: Array<{ name: string; uid: string; orgId: number; tenant?: string; headerNames: string[] }>;
}

const TENANT_HEADER = 'x-scope-orgid';

/** Tenant wiring as rendered: the collector CR, the Grafana values and the AppProjects of one environment. */
export function readWiring(collector: any, grafanaValues: any, projects: any[]): Wiring {
  const config = collector.spec.config;
  const tenantOfPipeline = (pipeline: string): string => {
    const p = config.service.pipelines[pipeline];
    if (!p) throw new Error(`routing names a missing pipeline ${pipeline}`);
    const tenants = p.exporters.map((e: string) => {
      const headers = Object.entries(config.exporters[e]?.headers ?? {}).filter(([k]) => k.toLowerCase() === TENANT_HEADER);
      if (headers.length !== 1) throw new Error(`exporter ${e} of ${pipeline} sends ${headers.length} tenant headers`);
      return String(headers[0][1]);
    });
    if (new Set(tenants).size !== 1) throw new Error(`${pipeline} exports to ${tenants.length} tenants`);
    return tenants[0];
  };
  const routing = config.connectors.routing;
  const routed = new Map<string, string>();
  // proxy rows (an Istio gateway's or a waypoint's span, routed by its destination): the namespace they name
  const proxied: Array<[string, string]> = [];
  const proxyNamespace = (condition: string) =>
    /^attributes\["istio\.destination_namespace"\] == "([a-z0-9-]+)"$/.exec(condition)?.[1] ??
    /^IsMatch\(attributes\["upstream_cluster"\], ".*\[\^\.\|\]\+\\\\\.((?:[a-z0-9]|\\\\-)+)\\\\\.svc/.exec(condition)?.[1]?.replace(/\\\\-/g, '-');
  for (const row of routing.table) {
    if (row.context === 'span') {
      const ns = proxyNamespace(row.condition);
      if (!ns || row.pipelines.length !== 1) throw new Error(`unexpected proxy routing row ${JSON.stringify(row)}`);
      proxied.push([ns, tenantOfPipeline(row.pipelines[0])]);
      continue;
    }
    const m = /^attributes\["k8s\.namespace\.name"\] == "([a-z0-9-]+)"$/.exec(row.condition);
    if (!m || (row.context ?? 'resource') !== 'resource') throw new Error(`unexpected routing row ${JSON.stringify(row)}`);
    if (row.pipelines.length !== 1) throw new Error(`row for ${m[1]} fans out to ${row.pipelines.length} pipelines`);
    // first matching row wins in the routing connector; a second row for the same namespace would be dead
    if (routed.has(m[1])) throw new Error(`namespace ${m[1]} routed twice`);
    routed.set(m[1], tenantOfPipeline(row.pipelines[0]));
  }
  // a gateway's or waypoint's span to a team's namespace reaches the tenant that namespace's own spans reach
  // (a namespace without a route of its own is reported by wiringProblems, as a team whose namespaces go elsewhere)
  for (const [ns, tenant] of proxied) if (routed.has(ns) && routed.get(ns) !== tenant) throw new Error(`proxy spans to ${ns} go to tenant ${tenant}, its own spans to ${routed.get(ns)}`);
  if (routing.default_pipelines.length !== 1) throw new Error('one default route expected');
  const sent = new Set(
    Object.entries<any>(config.exporters)
      .filter(([name]) => name.startsWith('otlp'))
      .map(([name, e]) => {
        const h = Object.entries(e.headers ?? {}).find(([k]) => k.toLowerCase() === TENANT_HEADER);
        if (!h) throw new Error(`exporter ${name} sends spans to Tempo without a tenant`);
        return String(h[1]);
      }),
  );
  const teams = new Map<string, string[]>(projects.map((p) => [p.metadata.labels['tracestack.dev/team'], p.spec.destinations.map((d: any) => d.namespace)]));
  const datasources = (grafanaValues.datasources['datasources.yaml'].datasources as any[])
    .filter((d) => d.type === 'tempo')
    .map((d) => {
      const headerNames = Object.entries<string>(d.jsonData ?? {})
        .filter(([k, v]) => /^httpHeaderName\d+$/.test(k) && v.toLowerCase() === TENANT_HEADER)
        .map(([k]) => k);
      const tenant = headerNames.length === 1 ? d.secureJsonData?.[headerNames[0].replace('Name', 'Value')] : undefined;
      return { name: d.name, uid: d.uid, orgId: d.orgId ?? 1, tenant, headerNames };
    });
  return { routed, defaultTenant: tenantOfPipeline(routing.default_pipelines[0]), sent, teams, datasources };
}

/** Every way the wiring can leak or show nothing; empty when each team reads exactly its own tenant. */
export function wiringProblems(w: Wiring): string[] {
  const problems: string[] = [];
  const teamTenant = new Map<string, string>();
  for (const [team, namespaces] of w.teams) {
    const tenants = new Set(namespaces.map((ns) => w.routed.get(ns) ?? w.defaultTenant));
    if (tenants.size !== 1) problems.push(`team ${team}: its namespaces go to ${[...tenants].join(', ')}`);
    const [tenant] = tenants;
    if (tenant === w.defaultTenant) problems.push(`team ${team}: its namespaces fall through to the platform tenant`);
    teamTenant.set(team, tenant);
    const own = w.datasources.filter((d) => d.name === `Tempo (${team})`);
    if (own.length !== 1) problems.push(`team ${team}: ${own.length} datasources`);
    else if (own[0].tenant !== tenant) problems.push(`team ${team}: collector sends ${tenant}, its datasource queries ${own[0].tenant}`);
  }
  const tenantsOfTeams = [...teamTenant.values()];
  if (new Set(tenantsOfTeams).size !== tenantsOfTeams.length) problems.push('two teams share a tenant');
  for (const d of w.datasources) {
    if (d.headerNames.length !== 1) problems.push(`${d.name}: ${d.headerNames.length} X-Scope-OrgID headers`);
    // Tempo reads "a|b" as a query across tenants.
    if (d.tenant === undefined || d.tenant.includes('|')) problems.push(`${d.name}: queries ${d.tenant ?? 'no tenant'}`);
    const team = /^Tempo \((.+)\)$/.exec(d.name)?.[1];
    for (const [other, tenant] of teamTenant) {
      if (other !== team && d.tenant === tenant) problems.push(`${d.name} can query team ${other}'s tenant ${tenant}`);
    }
  }
  const queried = new Set(w.datasources.map((d) => d.tenant));
  for (const t of w.sent) if (!queried.has(t)) problems.push(`tenant ${t} is written but no datasource reads it`);
  for (const t of queried) if (t !== undefined && !w.sent.has(t)) problems.push(`a datasource reads tenant ${t}, which the collector never writes`);
  return problems;
}

const collector = () => kustomizeBuild(join(OUT, ENV, 'kustomize/collector')).find((o) => o.kind === 'OpenTelemetryCollector');
const grafanaValues = () => readOut(`${ENV}/values/grafana.yaml`);
const projects = () =>
  listFiles(join(OUT, ENV, 'argocd/apps'))
    .filter((f) => /^appproject-.+\.yaml$/.test(f))
    .map((f) => readOut(`${ENV}/argocd/apps/${f}`));
const rendered = () => readWiring(collector(), grafanaValues(), projects());

describe(`tenants in the rendered ${ENV} output: what the collector sends is what each team's datasource reads`, () => {
  it('the example has at least two teams with their namespaces', () => {
    const w = rendered();
    expect(w.teams.size).toBeGreaterThanOrEqual(2);
    expect(w.teams.get('shop')).toEqual(['shop', 'shop-web']);
    expect(w.teams.get('payments')).toEqual(['payments']);
  });

  it('for each team, the tenant the routing assigns its namespaces equals the X-Scope-OrgID of its datasource, and no datasource reads another team', () => {
    const w = rendered();
    expect(wiringProblems(w)).toEqual([]);
    for (const [team, namespaces] of w.teams) {
      const ds = w.datasources.find((d) => d.name === `Tempo (${team})`)!;
      for (const ns of namespaces) expect(w.routed.get(ns), `${team}/${ns}`).toBe(ds.tenant);
    }
    expect(w.defaultTenant).toBe('platform');
    expect(w.datasources.find((d) => d.uid === 'tempo')?.tenant).toBe('platform');
  });

  it('the check fails on the plausible bugs: a swapped header, a missing route, a datasource reading two tenants', () => {
    const swapped = structuredClone(collector());
    swapped.spec.config.exporters['otlp_grpc/shop'].headers['x-scope-orgid'] = 'payments';
    expect(wiringProblems(readWiring(swapped, grafanaValues(), projects())).join('\n')).toContain('collector sends payments, its datasource queries shop');

    const unrouted = structuredClone(collector());
    unrouted.spec.config.connectors.routing.table = unrouted.spec.config.connectors.routing.table.filter((r: any) => !r.condition.includes('"shop-web"'));
    expect(wiringProblems(readWiring(unrouted, grafanaValues(), projects())).join('\n')).toContain('team shop: its namespaces go to');

    const greedy = structuredClone(grafanaValues());
    const shopDs = greedy.datasources['datasources.yaml'].datasources.find((d: any) => d.name === 'Tempo (shop)');
    shopDs.secureJsonData.httpHeaderValue1 = 'shop|payments';
    expect(wiringProblems(readWiring(collector(), greedy, projects())).join('\n')).toContain('Tempo (shop): queries shop|payments');

    const leaky = structuredClone(grafanaValues());
    leaky.datasources['datasources.yaml'].datasources.find((d: any) => d.name === 'Tempo (payments)').secureJsonData.httpHeaderValue1 = 'shop';
    expect(wiringProblems(readWiring(collector(), leaky, projects())).join('\n')).toContain("Tempo (payments) can query team shop's tenant shop");
  });

  it('the tenant comes from the sending pod: a claimed namespace is dropped, k8sattributes (before batch) sets it, every span passes the routing', () => {
    const c = collector();
    const p = c.spec.config.service.pipelines;
    const fromReceivers = Object.entries<any>(p).filter(([, v]) => v.receivers.includes('otlp'));
    expect(fromReceivers.map(([k]) => k)).toEqual(['traces']);
    expect(p.traces.exporters.filter((e: string) => e !== 'debug')).toEqual(['routing']);
    const procs: string[] = p.traces.processors;
    expect(procs.indexOf('resource/drop-claimed-namespace')).toBeGreaterThanOrEqual(0);
    expect(procs.indexOf('resource/drop-claimed-namespace')).toBeLessThan(procs.indexOf('k8s_attributes'));
    expect(procs.indexOf('k8s_attributes')).toBeLessThan(procs.indexOf('batch'));
    expect(c.spec.config.processors['resource/drop-claimed-namespace'].attributes).toEqual([{ key: 'k8s.namespace.name', action: 'delete' }]);
    expect(c.spec.config.processors.k8s_attributes.extract.metadata).toContain('k8s.namespace.name');
    // operator default image (opentelemetry-collector-k8s) carries k8sattributes, resource, routing: no image override
    expect(c.spec.image).toBeUndefined();
  });

  it('the collector runs as a ServiceAccount bound to a ClusterRole that can read pods, namespaces and replicasets', () => {
    const c = collector();
    const rbac = kustomizeBuild(join(OUT, ENV, 'kustomize/collector-rbac'));
    const sa = rbac.find((o) => o.kind === 'ServiceAccount');
    const binding = rbac.find((o) => o.kind === 'ClusterRoleBinding');
    const role = rbac.find((o) => o.kind === 'ClusterRole');
    expect(c.spec.serviceAccount).toBe(sa.metadata.name);
    expect(sa.metadata.namespace).toBe(c.metadata.namespace);
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: c.metadata.namespace }]);
    expect(binding.roleRef.name).toBe(role.metadata.name);
    const can = (group: string, resource: string) => role.rules.some((r: any) => r.apiGroups.includes(group) && r.resources.includes(resource) && ['get', 'list', 'watch'].every((v) => r.verbs.includes(v)));
    expect([can('', 'pods'), can('', 'namespaces'), can('apps', 'replicasets')]).toEqual([true, true, true]);
  });

  it('Tempo is multi-tenant, with per-tenant overrides keyed by the tenants the collector sends', () => {
    const tempo = readOut(`${ENV}/values/tempo.yaml`);
    const w = rendered();
    expect(tempo.multitenancyEnabled).toBe(true);
    const shop = w.routed.get('shop')!;
    const payments = w.routed.get('payments')!;
    expect(tempo.per_tenant_overrides[shop].compaction.block_retention).toBe('720h');
    expect(tempo.per_tenant_overrides[payments].metrics_generator.processors).toEqual(['service-graphs', 'span-metrics', 'local-blocks']);
    expect(tempo.per_tenant_overrides[payments].compaction.block_retention).toBe('168h'); // the environment's 7d
    for (const t of Object.keys(tempo.per_tenant_overrides)) expect(w.sent.has(t), t).toBe(true);
  });

  it('each team datasource is wired like the platform one, and its links resolve inside its own organisation', () => {
    const all = grafanaValues().datasources['datasources.yaml'].datasources as any[];
    const platform = all.find((d) => d.uid === 'tempo');
    for (const d of all.filter((x) => x.type === 'tempo')) {
      const org = d.orgId ?? 1;
      const inOrg = (uid: string) => all.some((x) => x.uid === uid && (x.orgId ?? 1) === org);
      expect(d.url).toBe(platform.url);
      expect(d.editable).toBe(false);
      for (const link of [d.jsonData.tracesToLogsV2.datasourceUid, d.jsonData.serviceMap.datasourceUid, d.jsonData.tracesToMetrics.datasourceUid]) {
        expect(inOrg(link), `${d.name} -> ${link} in org ${org}`).toBe(true);
      }
      expect(d.jsonData.nodeGraph).toEqual({ enabled: true });
    }
    // uids are pinned and unique per organisation
    const keys = all.map((d) => `${d.orgId ?? 1}/${d.uid}`);
    expect(new Set(keys).size).toBe(keys.length);
    // Every datasource is in the main organisation, the one that exists on an empty Grafana (rule grafana-org).
    expect(all.every((d) => (d.orgId ?? 1) === 1)).toBe(true);
    const loki = all.find((d) => d.type === 'loki');
    expect(loki.jsonData.derivedFields.map((f: any) => f.datasourceUid).sort()).toEqual(all.filter((d) => d.type === 'tempo').map((d) => d.uid).sort());
  });

  it('every team namespace gets exactly one Instrumentation; sampling overrides become a Telemetry in each namespace of that team only', () => {
    const objects = listFiles(join(OUT, ENV, 'kustomize'))
      .filter((f) => f.endsWith('/kustomization.yaml') && f.split('/').length === 2)
      .flatMap((f) => kustomizeBuild(join(OUT, ENV, 'kustomize', f.split('/')[0])));
    const w = rendered();
    for (const ns of [...w.teams.values()].flat()) {
      expect(objects.filter((o) => o.kind === 'Instrumentation' && o.metadata.namespace === ns), ns).toHaveLength(1);
    }
    // (the edge gateway's own Telemetry, attached by targetRefs in the gateway's namespace, is not a team's)
    const telemetry = objects.filter((o) => o.kind === 'Telemetry' && o.metadata.namespace !== 'istio-system' && !o.spec?.targetRefs);
    expect(telemetry.map((t) => t.metadata.namespace).sort()).toEqual(['shop', 'shop-web']);
    for (const t of telemetry) expect(t.spec.tracing[0].randomSamplingPercentage).toBe(20);
    const shopInst = objects.find((o) => o.kind === 'Instrumentation' && o.metadata.namespace === 'shop');
    expect(shopInst.spec.sampler.argument).toBe('0.2');
    const ns = objects.filter((o) => o.kind === 'Namespace');
    expect(ns.find((n) => n.metadata.name === 'shop').metadata.annotations).toMatchObject({
      'instrumentation.opentelemetry.io/inject-java': 'default',
      'instrumentation.opentelemetry.io/inject-nodejs': 'default',
      // two languages: each names its containers, or the operator skips the pod (rule instrumentation-languages)
      'instrumentation.opentelemetry.io/java-container-names': 'app',
      'instrumentation.opentelemetry.io/nodejs-container-names': 'web',
      'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
    });
    // every team namespace is enrolled in the mesh (rule mesh-enrolment)
    for (const n of ns) expect(n.metadata.labels).toEqual({ 'istio-injection': 'enabled' });
  });

  it("a team's AppProject reaches only its namespaces, no cluster-scoped objects and none of the platform's tracing objects", () => {
    for (const p of projects()) {
      expect(p.spec.destinations.every((d: any) => rendered().teams.get(p.metadata.labels['tracestack.dev/team'])!.includes(d.namespace))).toBe(true);
      expect(p.spec.clusterResourceWhitelist).toEqual([]);
      expect(p.spec.namespaceResourceBlacklist).toEqual(expect.arrayContaining([{ group: 'opentelemetry.io', kind: 'Instrumentation' }, { group: 'telemetry.istio.io', kind: 'Telemetry' }]));
    }
    const root = parse(readFileSync(join(OUT, ENV, 'argocd/apps/kustomization.yaml'), 'utf8'));
    expect(root.resources).toEqual(expect.arrayContaining(['appproject-shop.yaml', 'appproject-payments.yaml']));
  });

  it('environments without teams render no tenancy at all', () => {
    for (const env of ['dev', 'prod']) {
      const c = kustomizeBuild(join(OUT, env, 'kustomize/collector'))[0];
      expect(c.spec.config.connectors).toBeUndefined();
      expect(c.spec.serviceAccount).toBeUndefined();
      expect(JSON.stringify(c)).not.toMatch(/orgid/i);
      expect(readOut(`${env}/values/${env === 'prod' ? 'tempo3' : 'tempo'}.yaml`).multitenancyEnabled).toBeUndefined();
      expect(JSON.stringify(readOut(`${env}/values/grafana.yaml`))).not.toContain('X-Scope-OrgID');
      expect(existsSync(join(OUT, env, 'kustomize/collector-rbac'))).toBe(false);
    }
  });
});

const defaults: InputFile = {
  path: 'environments/_defaults.yaml',
  text: 'apiVersion: tracestack.dev/v1alpha1\nkind: EnvironmentDefaults\nspec:\n  argocd:\n    repoURL: https://git.acme.io/x.git\n    destination:\n      server: https://kubernetes.default.svc\n  prometheus:\n    url: http://prometheus.monitoring.svc:9090\n',
};
const withTeams = (teams: string, extra = '') =>
  validateInputs({
    defaults,
    environments: [
      {
        path: 'environments/stage.yaml',
        text: `apiVersion: tracestack.dev/v1alpha1
kind: Environment
metadata:
  name: stage
spec:
  tempo:
    storage:
      backend: s3
      credentialsSecret: { name: tempo-s3 }
      s3: { bucket: traces, endpoint: "s3.example.com" }
${extra}  teams:
${teams}`,
      },
    ],
  });

describe('team cross-checks (src/validate/teams.ts), reported at file:line:col', () => {
  it('a namespace under two teams is an error at its second listing', () => {
    const r = withTeams('    - name: shop\n      namespaces: [shop, web]\n    - name: payments\n      namespaces:\n        - payments\n        - web\n');
    expect(r.environments).toEqual([]);
    expect(r.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.path} ${d.code}`)).toEqual(['environments/stage.yaml:17:11 spec.teams[1].namespaces[1] namespace-in-two-teams']);
    expect(r.diagnostics[0].message).toContain('already listed under team "shop"');
  });

  it('duplicate team names and the reserved platform tenant are errors at the name', () => {
    const r = withTeams('    - name: shop\n      namespaces: [a]\n    - name: shop\n      namespaces: [b]\n    - name: platform\n      namespaces: [c]\n');
    expect(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.path} ${d.code}`)).toEqual([
      '14:13 spec.teams[1].name duplicate-team',
      '16:13 spec.teams[2].name reserved-team',
    ]);
  });

  it('a team namespace may not also take the shared Instrumentation, nor be a platform namespace', () => {
    const r = withTeams('    - name: shop\n      namespaces: [shop, otel]\n', '  instrumentation:\n    namespaces: [apps, shop]\n');
    expect(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.path} ${d.code}`)).toEqual([
      '12:24 spec.instrumentation.namespaces[1] namespace-in-team',
      '15:26 spec.teams[0].namespaces[1] platform-namespace',
    ]);
  });

  it('teams need the collector; a sampling override needs Istio', () => {
    const r = withTeams('    - name: shop\n      namespaces: [shop]\n      samplingPercentage: 10\n', '  collector:\n    enabled: false\n  istio:\n    enabled: false\n');
    expect(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.path} ${d.code}`)).toEqual([
      '12:14 spec.collector.enabled teams-need-component',
      '18:7 spec.teams[0].samplingPercentage needs-istio',
    ]);
  });

  it('valid teams pass', () => {
    const r = withTeams('    - name: shop\n      namespaces: [shop]\n    - name: payments\n      namespaces: [payments]\n');
    expect(r.diagnostics).toEqual([]);
    expect(r.environments[0].spec.teams.map((t) => t.languages)).toEqual([[], []]);
  });
});

describe('turning teams off', () => {
  it('removes every tenancy file through the ledger and leaves no tenant wiring behind', () => {
    const dir = scratchRepo();
    const file = join(dir, 'environments', `${ENV}.yaml`);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, text.indexOf('  teams:\n')));
    // the other example with teams shares the tenancy bases: drop its teams too
    const other = join(dir, 'environments', 'ambient-demo.yaml');
    const otherText = readFileSync(other, 'utf8');
    writeFileSync(other, otherText.slice(0, otherText.indexOf('  teams:\n')) + otherText.slice(otherText.indexOf('  grafana:\n')));
    // tempo3-demo's teams too, with the per-team sampling baseline that names one of them
    const t3 = join(dir, 'environments', 'tempo3-demo.yaml');
    const t3Text = readFileSync(t3, 'utf8').replace('    teams:\n      payments:\n        baselinePercent: 25\n', '');
    writeFileSync(t3, t3Text.slice(0, t3Text.indexOf('\n  teams:\n') + 1));
    const migration = join(dir, 'environments', 'tempo3-migration.yaml');
    const migrationText = readFileSync(migration, 'utf8');
    writeFileSync(migration, migrationText.slice(0, migrationText.indexOf('  # A team is a Tempo tenant')));
    const before = listFiles(join(dir, 'out'));
    const r = runCli(dir, ['generate']);
    expect(r.code, r.err).toBe(0);
    const after = listFiles(join(dir, 'out'));
    const gone = before.filter((f) => !after.includes(f));
    expect(gone).toEqual(
      expect.arrayContaining([
        'base/collector-rbac/kustomization.yaml',
        'base/team/kustomization.yaml',
        `${ENV}/argocd/apps/appproject-shop.yaml`,
        `${ENV}/argocd/apps/team-shop-sampling.yaml`,
        `${ENV}/kustomize/team-payments/kustomization.yaml`,
        `${ENV}/kustomize/collector-rbac/kustomization.yaml`,
      ]),
    );
    expect(after.filter((f) => /team-|collector-rbac|appproject-/.test(f))).toEqual([]);
    const all = after.filter((f) => f.startsWith(`${ENV}/`)).map((f) => readFileSync(join(dir, 'out', f), 'utf8')).join('\n');
    expect(all).not.toMatch(/x-scope-orgid|multitenancyEnabled|routing/i);
  });
});

describe('log-to-trace links with tenants', () => {
  it("each organisation's Loki links a trace id to every Tempo tenant datasource of that organisation, and no other", () => {
    const values = parse(readFileSync(join(OUT, 'teams-demo/values/grafana.yaml'), 'utf8'));
    const all = values.datasources['datasources.yaml'].datasources as any[];
    const org = (d: any) => d.orgId ?? 1;
    for (const loki of all.filter((d) => d.type === 'loki')) {
      const tempoHere = all.filter((d) => d.type === 'tempo' && org(d) === org(loki)).map((d) => d.uid).sort();
      expect(loki.jsonData.derivedFields.map((f: any) => f.datasourceUid).sort()).toEqual(tempoHere);
    }
  });
});
