import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { pinnedCharts } from '../../components/derived.js';
import { generate, validateInputs } from '../../pipeline.js';
import { TOOL_VERSION } from '../../render/yaml.js';
import { ChartValues } from '../../resolve/checks/passthrough.js';
import { locateSchemas, SCHEMA_SOURCE_TEXT, UpstreamValidators } from '../../verify/upstream.js';
import { cacheDir, readInputs } from '../io.js';
import { globals, printResult } from '../output.js';
import { kindList } from './generate.js';

/** `tracestack doctor`: what tracestack finds and uses (versions, upstream schemas, cache, environments). */
export function registerDoctor(program: Command) {
  program
    .command('doctor')
    .description('Show what tracestack finds and uses: versions, upstream schemas, cache, environments.')
    .action((_opts: unknown, cmd: Command) => {
      const g = globals(cmd);
      const root = g.dir;
      const schemas = locateSchemas(root, g.schemas);
      const lines = [`tracestack ${TOOL_VERSION} on node ${process.version}`];
      const fromText = SCHEMA_SOURCE_TEXT[schemas.from];
      const usable = Boolean(schemas.dir && existsSync(join(schemas.dir, 'crd-schemas/index.json')));
      let validators: UpstreamValidators | undefined;
      let kinds: string[] = [];
      if (usable) {
        validators = new UpstreamValidators(schemas.dir, cacheDir());
        kinds = validators.kinds();
        lines.push(`CRD schemas: ${schemas.dir} (${fromText})`, ...kinds.map((k) => `  ${k}`));
      } else if (schemas.dir) {
        lines.push(`CRD schemas: ${schemas.dir} (${fromText}) has no crd-schemas/index.json: generate will refuse it`);
      } else {
        validators = new UpstreamValidators(undefined, cacheDir());
        lines.push('CRD schemas: none found (run `tracestack schemas --from-cluster` or `--from DIR`, or set --schemas DIR or TRACESTACK_SCHEMAS); generate renders without checking objects against the CRDs');
      }
      if (validators) {
        // render in memory (nothing is written) to see which kinds the environments produce and which are checked
        const r = generate(readInputs(root), { outPath: 'out', upstream: validators, allowUnknownChartVersions: g.allowUnknownChartVersions });
        if (!r.tree) lines.push('checked by generate: unknown (the environments do not validate; run `tracestack validate`)');
        else {
          if (validators.checkedKinds.size) lines.push(`checked by generate: ${kindList(validators.checkedKinds)}`);
          lines.push(`not checked (no schema): ${kindList(validators.uncheckedKinds) || 'none'}`);
        }
      }
      // the charts tracestack pins (default versions), and which upstream chart folder their pass-through values meet
      const chartValues = ChartValues.at(schemas.dir);
      const pinned = pinnedCharts();
      const charts = pinned.map((p) => ({ ...p, folder: chartValues?.lookup({ repo: '', repoURL: '', ...p })?.dir ?? null }));
      if (chartValues) {
        lines.push(`chart defaults: ${chartValues.chartsDir} (pass-through values are checked against them; unknown keys are warnings)`);
        lines.push(...charts.map((c) => `  ${c.chart} ${c.version}: ${c.folder ?? 'not found, so its pass-through values are not checked against the chart'}`));
      } else lines.push('chart defaults: none found (no charts/ in an upstream folder), so pass-through values are not checked against the charts (only against what tracestack renders)');
      const cache = cacheDir();
      const entries = existsSync(cache) ? readdirSync(cache).filter((f) => f.endsWith('.cjs')).length : 0;
      lines.push(`schema cache: ${cache} (${entries} compiled schema${entries === 1 ? '' : 's'})`);
      const inputs = readInputs(root);
      lines.push(`environments: ${inputs.environments.map((f) => f.path).join(', ') || 'none'}; shared defaults: ${inputs.defaults?.path ?? 'none'}`);
      // Bring-your-own Argo CD: the one thing it needs from tracestack is the Application health check
      const byoArgo = validateInputs(inputs).environments.filter((e) => !e.spec.argocd.install.enabled);
      for (const e of byoArgo) {
        lines.push(
          `existing Argo CD (${e.metadata.name}): tracestack does not install Argo CD there; apply the Application health check once, or sync waves between Applications will not wait:`,
          `  kubectl patch configmap argocd-cm -n ${e.spec.argocd.namespace} --type merge --patch-file out/${e.metadata.name}/argocd/argocd-cm-patch.yaml`,
        );
      }
      const doc = {
        version: TOOL_VERSION,
        node: process.version,
        upstreamSchemas: {
          dir: schemas.dir ?? null,
          from: schemas.from,
          usable,
          kinds,
          checkedByGenerate: validators ? [...validators.checkedKinds.keys()].sort() : [],
          notChecked: validators ? [...validators.uncheckedKinds.keys()].sort() : [],
        },
        chartDefaults: chartValues ? { dir: chartValues.chartsDir, charts } : null,
        schemaCache: { dir: cache, compiled: entries },
        environments: inputs.environments.map((f) => f.path),
        defaults: inputs.defaults?.path ?? null,
      };
      printResult(cmd, doc, lines.join('\n') + '\n');
    });
}
