import { describe, expect, it } from 'vitest';
import { readInputs } from '../src/cli/io.js';
import { validateInputs } from '../src/pipeline.js';
import { ChartValues, specSources } from '../src/resolve/checks/passthrough.js';
import { REPO, runCli, scratchRepo, editFile } from './helpers/repo.js';
import { upstreamDir } from './helpers/upstream.js';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';

const charts = () => ChartValues.at(upstreamDir());

/** prod.yaml as it was on Tempo 2 (before its migration): these tests check the tempo-distributed 2.x chart. */
function prodOnTempo2(text: string): string {
  const out = text
    .replace('    version: "3"\n    migration:\n      phase: done\n', '')
    .replace(/    kafka:\n(?: {6,}.*\n|\s*#.*\n)+/, '')
    .replace('      backendWorker: 3\n', '      ingester: 3\n');
  if (out.includes('kafka') || out.includes('version: "3"')) throw new Error('prod.yaml changed: update prodOnTempo2');
  return out;
}

/** The examples with a pass-through block added under a component of prod.yaml (in memory), validated. */
function withValues(component: string, block: string, chartValues: ChartValues | null = charts() ?? null) {
  const inputs = readInputs(REPO);
  const prod = inputs.environments.find((e) => e.path.endsWith('/prod.yaml'))!;
  prod.text = prodOnTempo2(prod.text);
  const marker = `\n  ${component}:\n`;
  if (!prod.text.includes(marker)) prod.text = prod.text.replace('\nspec:\n', `\nspec:\n  ${component}:\n${block}`);
  else prod.text = prod.text.replace(marker, `${marker}${block}`);
  const text = prod.text;
  const ds = validateInputs(inputs, { chartValues: chartValues ?? undefined }).diagnostics.filter((d) => d.code !== 'placeholder-url' && d.code !== 'deprecated-ingress-nginx');
  return { ds, line: (needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1 };
}

describe('pass-through values checked against the pinned chart', () => {
  it('a typo in a chart key: a warning with did-you-mean at file:line:col', () => {
    const { ds, line } = withValues('tempo', '    values:\n      compactr:\n        replicas: 2\n');
    expect(ds.map((d) => `${d.file}:${d.line}:${d.column} ${d.severity} ${d.code} ${d.path}`)).toEqual([`environments/prod.yaml:${line('compactr:')}:7 warning unknown-chart-value spec.tempo.values.compactr`]);
    expect(ds[0].suggestion).toBe('did you mean "compactor"?');
    expect(ds[0].message).toContain('tempo-distributed chart 2.26.2 has no value "compactr"');
  });

  it('nested unknown keys, in charts with and without values.schema.json', () => {
    const nginx = withValues('ingressNginx', '    values:\n      controller:\n        servce:\n          type: NodePort\n').ds;
    expect(nginx.map((d) => `${d.path} ${d.suggestion}`)).toEqual(['spec.ingressNginx.values.controller.servce did you mean "service"?']);
    const cm = withValues('certManager', '    values:\n      replicaCont: 2\n').ds;
    expect(cm.map((d) => `${d.path} ${d.suggestion}`)).toEqual(['spec.certManager.values.replicaCont did you mean "replicaCount"?']);
    expect(cm[0].message).toContain('values.schema.json');
  });

  it('free-form maps do not warn: {} defaults, config blocks passed to the program, subcharts, lists', () => {
    const blocks: Array<[string, string]> = [
      ['tempo', '    values:\n      ingester:\n        podAnnotations:\n          team.acme.io/owner: platform\n        config:\n          max_block_duration: 10m\n      per_tenant_overrides:\n        shop:\n          ingestion_rate_limit_bytes: 100\n      distributor:\n        extraEnv:\n          - name: A\n            value: b\n'],
      ['ingressNginx', '    values:\n      controller:\n        config:\n          use-forwarded-headers: "true"\n        podAnnotations:\n          a: b\n'],
      ['istio', '    istiodValues:\n      meshConfig:\n        outboundTrafficPolicy:\n          mode: REGISTRY_ONLY\n      pilot:\n        env:\n          PILOT_ENABLE_ALPHA_GATEWAY_API: "true"\n'],
      ['grafana', '    values:\n      grafana.ini:\n        server:\n          root_url: https://grafana.acme.io\n'],
      ['argocd', '    install:\n      values:\n        configs:\n          cm:\n            admin.enabled: "false"\n'],
    ];
    for (const [component, block] of blocks) expect(withValues(component, block).ds, block).toEqual([]);
  });

  it('without the upstream charts the unknown-key check is skipped (the override check still runs)', () => {
    expect(withValues('tempo', '    values:\n      compactr:\n        replicas: 2\n', null).ds).toEqual([]);
    expect(withValues('tempo', '    values:\n      ingester:\n        replicas: 5\n', null).ds.map((d) => d.code)).toEqual(['overrides-spec']);
  });
});

describe('a pass-through key that overrides a value tracestack renders from a spec field is an error', () => {
  it('tempo.values.ingester.replicas: names spec.tempo.replicas.ingester, with a Set: line', () => {
    const { ds, line } = withValues('tempo', '    values:\n      ingester:\n        replicas: 5\n');
    expect(ds.map((d) => `${d.file}:${d.line}:${d.column} ${d.severity} ${d.code} ${d.path}`)).toEqual([`environments/prod.yaml:${line('replicas: 5')}:9 error overrides-spec spec.tempo.values.ingester.replicas`]);
    expect(ds[0].message).toContain('which tracestack renders from spec.tempo.replicas.ingester');
    expect(ds[0].suggestion).toBe('Set: spec.tempo.replicas.ingester: 5  (and remove spec.tempo.values.ingester.replicas)');
  });

  it('a derived value (the replication factor follows the ingester count) and other components', () => {
    const rf = withValues('tempo', '    values:\n      ingester:\n        config:\n          replication_factor: 1\n').ds;
    expect(rf.map((d) => `${d.code} ${d.path}`)).toEqual(['overrides-spec spec.tempo.values.ingester.config.replication_factor']);
    expect(rf[0].suggestion).toBe('Remove spec.tempo.values.ingester.config.replication_factor; set spec.tempo.replicas.ingester instead.');
    const retention = withValues('tempo', '    values:\n      compactor:\n        config:\n          compaction:\n            block_retention: 48h\n').ds;
    expect(retention[0].message).toContain('from spec.tempo.retention');
    const istiod = withValues('istio', '    istiodValues:\n      replicaCount: 3\n').ds;
    expect(istiod.map((d) => `${d.code} ${d.path}`)).toEqual(['overrides-spec spec.istio.istiodValues.replicaCount']);
    expect(istiod[0].message).toContain('spec.istio.istiodReplicas');
    const nginx = withValues('ingressNginx', '    values:\n      controller:\n        replicaCount: 4\n').ds;
    expect(nginx[0].message).toContain('spec.ingressNginx.replicas');
  });

  it('values tracestack renders as constants may be replaced (istio-base defaultRevision), and so may a validated provider list', () => {
    expect(withValues('istio', '    baseValues:\n      defaultRevision: canary\n').ds).toEqual([]);
  });

  it('the attribution is found by rendering: specSources on the examples', () => {
    const inputs = readInputs(REPO);
    const file = inputs.environments.find((e) => e.path.endsWith('/prod.yaml'))!;
    file.text = prodOnTempo2(file.text);
    const env = validateInputs(inputs).environments.find((e) => e.metadata.name === 'prod')!;
    const s = specSources(env, [{ unit: 'tempo', segs: ['ingester', 'replicas'] }, { unit: 'tempo', segs: ['fullnameOverride'] }, { unit: 'grafana', segs: ['replicas'] }]);
    expect([...s.values()].map((x) => x.map((f) => `${f.field}${f.copied ? ' (copied)' : ''}`))).toEqual([['spec.tempo.replicas.ingester (copied)'], [], expect.any(Array)]);
    const rf = specSources(env, [{ unit: 'tempo', segs: ['ingester', 'config', 'replication_factor'] }]);
    expect([...rf.values()]).toEqual([[{ field: 'spec.tempo.replicas.ingester', copied: false }]]);
  });

  it('doctor says whether chart defaults are used; validate and generate check through the CLI', () => {
    expect(runCli(REPO, ['doctor']).out).toMatch(/chart defaults: \S+charts \(pass-through values are checked against them; unknown keys are warnings\)\n  argo-cd 10\.1\.1: /);
    const none = runCli(REPO, ['doctor'], { TRACESTACK_SCHEMAS: join(REPO, 'test') });
    expect(none.out).toContain('chart defaults: none found');
    const dir = scratchRepo(false);
    writeFileSync(join(dir, 'environments/prod.yaml'), prodOnTempo2(readFileSync(join(dir, 'environments/prod.yaml'), 'utf8')));
    editFile(join(dir, 'environments/prod.yaml'), '\n  tempo:\n', '\n  tempo:\n    values:\n      compactr: {}\n      querier:\n        replicas: 4\n');
    const v = runCli(dir, ['validate'], { TRACESTACK_SCHEMAS: upstreamDir() });
    expect(v.code).toBe(1);
    expect(v.err).toMatch(/prod\.yaml:\d+:7: warning: spec\.tempo\.values\.compactr: the tempo-distributed chart 2\.26\.2 has no value "compactr"/);
    expect(v.err).toMatch(/prod\.yaml:\d+:9: error: spec\.tempo\.values\.querier\.replicas: overrides querier\.replicas, which tracestack renders from spec\.tempo\.replicas\.querier/);
  });
});
