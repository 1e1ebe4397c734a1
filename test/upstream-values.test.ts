import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { deepMerge } from '../src/load/merge.js';
import { renderExamples } from './helpers/repo.js';
import { chartDefaults, chartSchema, readYaml, upstreamDir } from './helpers/upstream.js';
import { chartDirOf, effectiveDefaults, FREE_FORM, unknownValueKeys } from './helpers/values.js';

const tree = renderExamples();
const helmfiles = [...tree].filter(([f]) => f.endsWith('/helmfile.yaml'));
const releases = helmfiles.flatMap(([file, text]) =>
  (parse(text).releases as any[])
    // chart releases only: not kustomize overlays (./), not upstream manifests fetched by go-getter (git::, no values)
    .filter((r) => !String(r.chart).startsWith('./') && !String(r.chart).startsWith('git::'))
    .map((r) => ({ env: file.split('/')[0], ...r, valuesFile: `${file.split('/')[0]}/${r.values[0]}` })),
);

// The Istio and cert-manager Chart.yaml files in git carry placeholders the release tooling replaces
// (upstream README: "published charts are 1.30.3", "published chart is v1.21.1"; Strimzi's says 0.1.1 for 1.2.0).
const PUBLISHED: Record<string, string> = { 'istio-base': '1.30.3', istiod: '1.30.3', cni: '1.30.3', ztunnel: '1.30.3', 'cert-manager': 'v1.21.1', 'strimzi-kafka-operator': '1.2.0' };

describe('Helm values against the pinned charts in ../shared/upstream', () => {
  it('covers every chart release of both example environments', () => {
    expect(releases.length).toBeGreaterThanOrEqual(16);
    for (const r of releases) expect(chartDirOf(r), r.chart).toBeDefined();
  });

  it.each(releases.map((r) => [`${r.env}/${r.name}`, r] as const))('%s pins the chart version that upstream data describes', (_n, r) => {
    const dir = chartDirOf(r);
    const chart = readYaml(join(upstreamDir(), 'charts', dir, 'Chart.yaml'));
    expect(String(r.version)).toBe(PUBLISHED[dir] ?? String(chart.version));
  });

  it.each(releases.map((r) => [`${r.env}/${r.name}`, r] as const))('%s sets only keys the chart defaults know', (_n, r) => {
    const dir = chartDirOf(r);
    const values = parse(tree.get(r.valuesFile)!);
    expect(unknownValueKeys(values, effectiveDefaults(dir, chartDefaults(dir)), FREE_FORM[dir])).toEqual([]);
  });

  it.each(releases.filter((r) => chartSchema(chartDirOf(r))).map((r) => [`${r.env}/${r.name}`, r] as const))(
    '%s passes the chart values.schema.json (merged over the defaults, as Helm does)',
    (_n, r) => {
      const dir = chartDirOf(r);
      const validate = chartSchema(dir)!;
      const ok = validate(deepMerge(chartDefaults(dir), parse(tree.get(r.valuesFile)!)));
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    },
  );

  it('a misspelled key fails both checks', () => {
    const dir = 'opentelemetry-operator';
    const values = parse(tree.get('prod/values/opentelemetry-operator.yaml')!);
    values.admissionWebhooks.certManger = { enabled: true };
    expect(unknownValueKeys(values, chartDefaults(dir))).toEqual(['admissionWebhooks.certManger']);
    expect(chartSchema(dir)!(deepMerge(chartDefaults(dir), values))).toBe(false);

    const tempo = parse(tree.get('staging/values/tempo.yaml')!); // a Tempo 2 release (prod is on Tempo 3)
    tempo.metricsGenerator.enabeld = true;
    tempo.compactor.config.compaction.block_retension = '1h';
    expect(unknownValueKeys(tempo, chartDefaults('tempo-distributed-2.x'), FREE_FORM['tempo-distributed-2.x']).sort()).toEqual([
      'compactor.config.compaction.block_retension',
      'metricsGenerator.enabeld',
    ]);
  });

  it('istiod values are checked under _internal_defaults_do_not_set, not at the top level of the file', () => {
    const raw = chartDefaults('istiod');
    expect(Object.keys(raw)).toEqual(['_internal_defaults_do_not_set']);
    expect(unknownValueKeys({ meshConfg: {} }, effectiveDefaults('istiod', raw), FREE_FORM.istiod)).toEqual(['meshConfg']);
  });
});
