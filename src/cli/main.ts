import { Command, CommanderError, Option } from 'commander';
import type { Diagnostic } from '../diagnostics.js';
import { generate, validateInputs, type Inputs } from '../pipeline.js';
import { BackgroundCompare, compareWithDisk, recoverIfIdle, StagedWrite, WriteRefused } from '../write/write.js';
import { describeFsError } from '../write/errors.js';
import { cacheDir, outPathFromRoot, readInputs } from './io.js';
import { GitError, RevisionError } from './git.js';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { locateSchemas, SCHEMA_SOURCE_TEXT, UpstreamValidators, type SchemaSource } from '../verify/upstream.js';
import { ChartValues } from '../validate/passthrough.js';
import { CHARTS } from '../components/charts.js';
import { TOOL_VERSION } from '../render/yaml.js';
import { renderJson, renderText } from './report.js';
import { useColour } from './colour.js';
import { registerChangedSince } from './commands/changed-since.js';
import { registerDiff } from './commands/diff.js';
import { registerExplain } from './commands/explain.js';
import { registerInit } from './commands/init.js';
import { registerPr } from './commands/pr.js';
import { registerSchemas } from './commands/schemas.js';
import { GRAPH_FORMATS, registerGraph } from './commands/graph.js';
import { registerModelineCheck } from './commands/modeline.js';
import { environmentSummary } from '../fleet/incremental.js';

/** Exit codes: 0 ok; 1 invalid input, drift or a refused write; 2 usage or internal error. */
export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;

class UsageError extends Error {}

const program = new Command()
  .name('tracestack')
  .description('Render an end-to-end Kubernetes tracing stack into a GitOps repository (Helmfile, Kustomize, Argo CD).')
  .option('-C, --dir <dir>', 'repository root holding environments/ (default: the current folder)', '.')
  .addOption(new Option('--format <format>', 'how problems are reported (text, json); for graph: svg (default), mermaid or json').choices(['text', 'json', ...GRAPH_FORMATS]).default('text'))
  .option('--schemas <dir>', 'strict CRD schema folder (default: $TRACESTACK_SCHEMAS, else .tracestack/schemas from `tracestack schemas`, else ../shared/upstream beside the repository)')
  .option('--allow-unknown-chart-versions', 'render chart versions in spec.chartVersions that tracestack does not know (a warning, not an error)')
  .version(TOOL_VERSION, '-V, --version', 'print the tracestack version')
  .exitOverride()
  .hook('preAction', (_program, action) => {
    if (GRAPH_FORMATS.includes(program.opts().format) && action.name() !== 'graph') throw new UsageError(`--format ${program.opts().format} is for \`tracestack graph\`; here use text or json`);
  });

const json = () => program.opts().format === 'json';

/** Print diagnostics: JSON on stdout with --format json, else text on stderr (code frame and colour on a terminal). */
function report(diagnostics: Diagnostic[], inputs: Inputs) {
  if (program.opts().format === 'json') {
    process.stdout.write(renderJson(diagnostics));
    return;
  }
  const sources = new Map([inputs.defaults, ...inputs.environments].filter((f) => f !== undefined).map((f) => [f!.path, f!.text]));
  process.stderr.write(renderText(diagnostics, { frame: Boolean(process.stderr.isTTY), colour: useColour(process.stderr), sources }));
}
const failed = (ds: Diagnostic[]) => ds.some((d) => d.severity === 'error');
const say = (text: string) => {
  if (program.opts().format !== 'json') process.stdout.write(text);
};

program
  .command('validate')
  .description('Check environment files against the schema and the cross-checks; exit 1 on any error.')
  .argument('[files...]', 'environment files (default: environments/*.yaml)')
  .action((files: string[]) => {
    const inputs = readInputs(program.opts().dir, files);
    const chartValues = ChartValues.at(locateSchemas(program.opts().dir, program.opts().schemas).dir);
    const r = validateInputs(inputs, { allowUnknownChartVersions: program.opts().allowUnknownChartVersions, chartValues });
    if (r.diagnostics.length) report(r.diagnostics, inputs);
    if (failed(r.diagnostics)) process.exitCode = EXIT.invalid;
    else say(`ok: ${r.environments.length} environment${r.environments.length === 1 ? '' : 's'} valid (${r.environments.map((e) => e.metadata.name).join(', ')})\n`);
  });

program
  .command('generate')
  .description('Render environments into the output folder; stale files are pruned, files tracestack did not write are kept.')
  .option('-e, --env <name...>', 'render only these environments')
  .option('-o, --out <dir>', 'output folder, inside the repository', 'out')
  .option('--check', 'write nothing; exit 1 listing every file that is missing, different or stale')
  .option('--force', 'take over files in the output folder that tracestack did not write')
  .option('--no-cache', 'render every environment, even those whose inputs and files are unchanged since the last run (out/.tracestack/fleet.json)')
  .action(async (opts: { env?: string[]; out: string; check?: boolean; force?: boolean; cache: boolean }) => {
    const root = program.opts().dir;
    const inputs = readInputs(root);
    let out;
    try {
      out = outPathFromRoot(root, opts.out);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const { outDir, outPath } = out;
    const schemas = locateSchemas(root, program.opts().schemas);
    if (schemas.dir && !existsSync(join(schemas.dir, 'crd-schemas/index.json'))) throw new UsageError(`no upstream schemas at ${schemas.dir} (expected crd-schemas/index.json; from ${schemas.from})`);
    // without any schemas the validators only count the kinds that went unchecked, to say so
    const upstream = new UpstreamValidators(schemas.dir, cacheDir());
    const full = !opts.env?.length;
    const options = { outPath, only: opts.env, allowUnknownChartVersions: program.opts().allowUnknownChartVersions, upstream, chartValues: ChartValues.at(schemas.dir), reuseFrom: opts.cache ? outDir : undefined };
    if (opts.check) {
      // a fleet's files are compared with disk by a worker thread while the rendering goes on
      const compare = inputs.environments.length >= BACKGROUND_WRITES_FROM ? new BackgroundCompare(outDir) : undefined;
      let recovered = false;
      // --check writes nothing in out/; when a killed run left something beside it, it recovers under the writer
      // lock (once the input is known to be good), and leaves a running generate's files alone
      const recover = () => {
        if (!recovered) for (const n of recoverIfIdle(outDir)) process.stderr.write(`note: ${n}\n`);
        recovered = true;
      };
      try {
        const r = generate(inputs, { ...options, onPart: compare && ((part, same) => (recover(), compare.add(part, same))) });
        if (!r.tree || failed(r.diagnostics)) {
          report(r.diagnostics, inputs);
          process.exitCode = EXIT.invalid;
          return;
        }
        if (r.diagnostics.length && !json()) report(r.diagnostics, inputs);
        if (!json()) process.stderr.write(verificationNotes(upstream, schemas).map((l) => `note: ${l}\n`).join(''));
        recover();
        const changes = compare ? await compare.finish(r.tree, r.rendered, full) : compareWithDisk(outDir, r.tree, r.rendered, full).changes;
        if (json()) {
          // one document: the problems (warnings at most here) and every file that is out of date
          const doc = JSON.parse(renderJson(r.diagnostics)) as Record<string, unknown>;
          process.stdout.write(JSON.stringify({ ...doc, ok: !changes.length, changes: changes.map((c) => ({ file: `${outPath}/${c.file}`, kind: c.kind })) }, null, 2) + '\n');
          if (changes.length) process.exitCode = EXIT.invalid;
          return;
        }
        if (changes.length) {
          for (const c of changes) process.stderr.write(`${c.kind}: ${outPath}/${c.file}\n`);
          process.stderr.write(`${changes.length} file${changes.length === 1 ? '' : 's'} out of date; run \`tracestack generate\`.\n`);
          process.exitCode = EXIT.invalid;
        } else say(`ok: ${outPath}/ is up to date (${environmentSummary(r.rendered, r.reused?.length ?? 0)})\n`);
      } finally {
        await compare?.close();
      }
      return;
    }
    // Each environment is staged for writing as soon as it is rendered and verified (a fleet's file writes run on
    // a worker thread meanwhile); the staged tree replaces out/ only if the whole run succeeds.
    let staged: StagedWrite | undefined;
    let refused: unknown;
    const open = () => (staged ??= new StagedWrite(outDir, { force: opts.force, background: inputs.environments.length >= BACKGROUND_WRITES_FROM }));
    try {
      const r = generate(inputs, {
        ...options,
        onPart: (part, same) => {
          if (refused) return;
          try {
            open().add(part, same);
          } catch (e) {
            // reported after the input problems, if there are any
            const fs = describeFsError(e);
            refused = fs ? new WriteRefused(`${fs}\nnothing in ${outPath}/ was changed`) : e;
          }
        },
      });
      if (!r.tree || failed(r.diagnostics)) {
        report(r.diagnostics, inputs);
        process.exitCode = EXIT.invalid;
        return;
      }
      if (r.diagnostics.length) report(r.diagnostics, inputs);
      if (program.opts().format !== 'json') process.stderr.write(verificationNotes(upstream, schemas).map((l) => `note: ${l}\n`).join(''));
      if (refused) throw refused;
      const { written, pruned, kept, notes } = await open()
        .finish(r.tree, r.rendered, full)
        .catch((e: unknown) => {
          const fs = describeFsError(e);
          throw fs ? new WriteRefused(`${fs}\nnothing in ${outPath}/ was changed`) : e;
        });
      for (const n of notes) process.stderr.write(`note: ${n}\n`);
      if (kept.length) process.stderr.write(`warning: ${kept.length} file${kept.length === 1 ? '' : 's'} in ${outPath}/ not written by tracestack, left as they are: ${kept.join(', ')}\n`);
      say(`generated ${environmentSummary(r.rendered, r.reused?.length ?? 0)} into ${outPath}/: ${written.length} written, ${pruned.length} pruned, ${r.tree.size - written.length} unchanged\n`);
    } finally {
      await (staged as StagedWrite | undefined)?.close();
    }
  });

const kindList = (m: Map<string, number>) => [...m.keys()].sort().join(', ');

/** What the objects of a run were checked against, and which kinds were not checked (with what to do about it). */
function verificationNotes(v: UpstreamValidators, schemas: SchemaSource): string[] {
  const lines: string[] = [];
  const checked = [...v.checkedKinds.values()].reduce((a, b) => a + b, 0);
  if (schemas.dir && checked) lines.push(`checked ${checked} object${checked === 1 ? '' : 's'} against strict CRD schemas from ${schemas.dir} (${SCHEMA_SOURCE_TEXT[schemas.from]}): ${kindList(v.checkedKinds)}`);
  if (v.uncheckedKinds.size) {
    const why = schemas.dir ? `no schema for them in ${schemas.dir}` : 'no CRD schemas found';
    lines.push(`not checked against CRD schemas (${why}): ${kindList(v.uncheckedKinds)}; \`tracestack schemas --from-cluster\` (or --from DIR) builds them from your cluster's CRDs and OpenAPI documents (see \`tracestack doctor\`)`);
  }
  return lines;
}

/** From this many environment files on, generate writes files on a worker thread while it renders. */
const BACKGROUND_WRITES_FROM = 8;

program
  .command('doctor')
  .description('Show what tracestack finds and uses: versions, upstream schemas, cache, environments.')
  .action(() => {
    const root = program.opts().dir;
    const schemas = locateSchemas(root, program.opts().schemas);
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
      const r = generate(readInputs(root), { outPath: 'out', upstream: validators, allowUnknownChartVersions: program.opts().allowUnknownChartVersions });
      if (!r.tree) lines.push('checked by generate: unknown (the environments do not validate; run `tracestack validate`)');
      else {
        if (validators.checkedKinds.size) lines.push(`checked by generate: ${kindList(validators.checkedKinds)}`);
        lines.push(`not checked (no schema): ${kindList(validators.uncheckedKinds) || 'none'}`);
      }
    }
    // the charts tracestack pins (default versions), and which upstream chart folder their pass-through values meet
    const chartValues = ChartValues.at(schemas.dir);
    const pinned = Object.values(CHARTS).flatMap((c) => (c.chart === 'base' ? ['base', 'istiod'] : [c.chart]).map((chart) => ({ chart, version: c.known[0] })));
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
    if (json()) {
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
      process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
      return;
    }
    process.stdout.write(lines.join('\n') + '\n');
  });

registerDiff(program);
registerExplain(program);
registerModelineCheck(program);
registerPr(program);
registerInit(program);
registerChangedSince(program);
registerSchemas(program);
registerGraph(program);

// (no top-level await: the bundle is CommonJS, so that bin/tracestack.cjs can run it with a V8 code cache)
program.parseAsync().catch((e: unknown) => {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (e instanceof UsageError || e instanceof RevisionError) {
    process.stderr.write(`error: ${e.message}\n`);
    process.exitCode = EXIT.usage;
  } else if (e instanceof WriteRefused) {
    process.stderr.write(`error: ${e.message}\n`);
    process.exitCode = EXIT.invalid;
  } else if (describeFsError(e)) {
    // a file-system error (disk full, read-only, permission denied, ...): the cause and the path, not a stack
    process.stderr.write(`error: ${describeFsError(e)}\n`);
    process.exitCode = EXIT.invalid;
  } else if (e instanceof GitError) {
    process.stderr.write(`error: ${e.message}\n`);
    process.exitCode = EXIT.invalid;
  } else {
    process.stderr.write(`internal error: ${(e as Error).stack ?? e}\n`);
    process.exitCode = EXIT.usage;
  }
});
