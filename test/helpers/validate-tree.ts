import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { deepMerge } from '../../src/load/merge.js';
import { kustomizeBuild } from './kustomize.js';
import { listFiles, yamlDocs } from './repo.js';
import { chartDefaults, chartSchema, schemastoreValidator, validateObject } from './upstream.js';
import { chartDirOf, effectiveDefaults, FREE_FORM, unknownValueKeys } from './values.js';

/**
 * The upstream checks the committed examples pass, for any rendered out/ folder: every kustomization builds with
 * kubectl kustomize and every object (plus root Applications and ApplicationSets) passes its strict upstream
 * schema; helmfiles pass the SchemaStore schema; Helm values use only keys the pinned chart knows and pass its
 * values.schema.json. Returns the problems (empty when valid).
 */
export function upstreamProblems(outDir: string): string[] {
  const problems: string[] = [];
  const files = listFiles(outDir);
  for (const k of files.filter((f) => f.endsWith('kustomization.yaml'))) {
    const dir = k.replace(/\/?kustomization\.yaml$/, '');
    for (const o of kustomizeBuild(join(outDir, dir))) for (const e of validateObject(o)) problems.push(`${dir}: ${o.kind}/${o.metadata?.name}: ${e}`);
  }
  for (const f of files.filter((f) => /(^|\/)argocd\/root\.yaml$|^fleet\/.*\.yaml$/.test(f))) {
    for (const o of yamlDocs(readFileSync(join(outDir, f), 'utf8'))) for (const e of validateObject(o)) problems.push(`${f}: ${e}`);
  }
  const helmfileSchema = schemastoreValidator('helmfile');
  for (const f of files.filter((f) => f.endsWith('/helmfile.yaml'))) {
    const doc = parse(readFileSync(join(outDir, f), 'utf8'));
    if (!helmfileSchema(doc)) problems.push(`${f}: ${JSON.stringify(helmfileSchema.errors)}`);
    const env = f.split('/')[0];
    for (const r of doc.releases as any[]) {
      if (String(r.chart).startsWith('./')) continue;
      const dir = chartDirOf(r);
      if (!dir) {
        problems.push(`${f}: no upstream data for chart ${r.chart}`);
        continue;
      }
      const values = parse(readFileSync(join(outDir, env, r.values[0]), 'utf8'));
      for (const k of unknownValueKeys(values, effectiveDefaults(dir, chartDefaults(dir)), FREE_FORM[dir])) problems.push(`${env}/${r.values[0]}: unknown key ${k}`);
      const schema = chartSchema(dir);
      if (schema && !schema(deepMerge(chartDefaults(dir), values))) problems.push(`${env}/${r.values[0]}: ${JSON.stringify(schema.errors)}`);
    }
  }
  return problems;
}
