import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { generate, type Inputs } from '../../pipeline.js';
import { environmentSummary } from '../../fleet/incremental.js';
import { ChartValues } from '../../resolve/checks/passthrough.js';
import { locateSchemas, SCHEMA_SOURCE_TEXT, UpstreamValidators, type SchemaSource } from '../../verify/upstream.js';
import { describeFsError } from '../../write/errors.js';
import { BackgroundCompare, compareWithDisk, recoverIfIdle, StagedWrite, WriteRefused } from '../../write/write.js';
import { EXIT, throwCommandLineProblems, UsageError } from '../errors.js';
import { cacheDir, outPathFromRoot, readInputs } from '../io.js';
import { readTempoRecord } from '../../write/tempo-record.js';
import { failed, globals, reportDiagnostics, wantsJson, type Globals } from '../output.js';

/** From this many environment files on, generate writes files on a worker thread while it renders. */
const BACKGROUND_WRITES_FROM = 8;

interface GenerateOptions {
  env?: string[];
  out: string;
  check?: boolean;
  /** false with --no-cache */
  cache: boolean;
  force?: boolean;
}

/** `tracestack generate [--check]`: render the environments into out/ (or compare with it). */
export function registerGenerate(program: Command) {
  program
    .command('generate')
    .description('Render environments into the output folder; stale files are pruned, files tracestack did not write are kept.')
    .option('-e, --env <name...>', 'render only these environments')
    .option('-o, --out <dir>', 'output folder, inside the repository', 'out')
    .option('--check', 'write nothing; exit 1 listing every file that is missing, different or stale')
    .option('--force', 'take over files in the output folder that tracestack did not write')
    .option('--no-cache', 'render every environment, even those whose inputs and files are unchanged since the last run (out/.tracestack/fleet.json)')
    .action(async (opts: GenerateOptions, cmd: Command) => {
      const g = globals(cmd);
      const inputs = readInputs(g.dir);
      let out;
      try {
        out = outPathFromRoot(g.dir, opts.out);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      const schemas = locateSchemas(g.dir, g.schemas);
      if (schemas.dir && !existsSync(join(schemas.dir, 'crd-schemas/index.json'))) throw new UsageError(`no upstream schemas at ${schemas.dir} (expected crd-schemas/index.json; from ${schemas.from})`);
      // without any schemas the validators only count the kinds that went unchecked, to say so
      const upstream = new UpstreamValidators(schemas.dir, cacheDir());
      const run: Run = { g, json: wantsJson(cmd), inputs, ...out, schemas, upstream, full: !opts.env?.length };
      const options = { outPath: out.outPath, only: opts.env, allowUnknownChartVersions: g.allowUnknownChartVersions, upstream, chartValues: ChartValues.at(schemas.dir), reuseFrom: opts.cache ? out.outDir : undefined, previousTempo: (env: string) => readTempoRecord(out.outDir, out.outPath, env) };
      if (opts.check) await check(run, options);
      else await write(run, options, opts.force);
    });
}

interface Run {
  g: Globals;
  json: boolean;
  inputs: Inputs;
  outDir: string;
  outPath: string;
  schemas: SchemaSource;
  upstream: UpstreamValidators;
  full: boolean;
}
type Options = Omit<Parameters<typeof generate>[1], 'onPart'>;

/** The input problems, when they stop the run (exit 1); else the warnings and the verification notes. */
function stopOnProblems(run: Run, r: ReturnType<typeof generate>): r is ReturnType<typeof generate> & { tree: NonNullable<ReturnType<typeof generate>['tree']> } {
  throwCommandLineProblems(r.diagnostics);
  if (!r.tree || failed(r.diagnostics)) {
    reportDiagnostics(r.diagnostics, run.json, run.inputs);
    process.exitCode = EXIT.invalid;
    return false;
  }
  if (!run.json) {
    reportDiagnostics(r.diagnostics, false, run.inputs);
    process.stderr.write(verificationNotes(run.upstream, run.schemas).map((l) => `note: ${l}\n`).join(''));
  }
  return true;
}

/** --check: write nothing; list every file that is out of date (exit 1). */
async function check(run: Run, options: Options) {
  // a fleet's files are compared with disk by a worker thread while the rendering goes on
  const compare = run.inputs.environments.length >= BACKGROUND_WRITES_FROM ? new BackgroundCompare(run.outDir) : undefined;
  let recovered = false;
  // --check writes nothing in out/; when a killed run left something beside it, it recovers under the writer
  // lock (once the input is known to be good), and leaves a running generate's files alone
  const recover = () => {
    if (!recovered) for (const n of recoverIfIdle(run.outDir)) process.stderr.write(`note: ${n}\n`);
    recovered = true;
  };
  try {
    const r = generate(run.inputs, { ...options, onPart: compare && ((part, same) => (recover(), compare.add(part, same))) });
    if (!stopOnProblems(run, r)) return;
    recover();
    const changes = compare ? await compare.finish(r.tree, r.rendered, run.full) : compareWithDisk(run.outDir, r.tree, r.rendered, run.full).changes;
    if (changes.length) process.exitCode = EXIT.invalid;
    if (run.json) {
      // one document: the problems (warnings at most here) and every file that is out of date
      reportDiagnostics(r.diagnostics, true, run.inputs, { ok: !changes.length, changes: changes.map((c) => ({ file: `${run.outPath}/${c.file}`, kind: c.kind })) });
    } else if (changes.length) {
      for (const c of changes) process.stderr.write(`${c.kind}: ${run.outPath}/${c.file}\n`);
      process.stderr.write(`${changes.length} file${changes.length === 1 ? '' : 's'} out of date; run \`tracestack generate\`.\n`);
    } else process.stdout.write(`ok: ${run.outPath}/ is up to date (${environmentSummary(r.rendered, r.reused?.length ?? 0)})\n`);
  } finally {
    await compare?.close();
  }
}

/**
 * Each environment is staged for writing as soon as it is rendered and verified (a fleet's file writes run on a
 * worker thread meanwhile); the staged tree replaces out/ only if the whole run succeeds.
 */
async function write(run: Run, options: Options, force?: boolean) {
  let staged: StagedWrite | undefined;
  let refused: unknown;
  const refusal = (e: unknown) => {
    const fs = describeFsError(e);
    return fs ? new WriteRefused(`${fs}\nnothing in ${run.outPath}/ was changed`) : e;
  };
  const open = () => (staged ??= new StagedWrite(run.outDir, { force, background: run.inputs.environments.length >= BACKGROUND_WRITES_FROM }));
  try {
    const r = generate(run.inputs, {
      ...options,
      onPart: (part, same) => {
        if (refused) return;
        try {
          open().add(part, same);
        } catch (e) {
          refused = refusal(e); // reported after the input problems, if there are any
        }
      },
    });
    if (!stopOnProblems(run, r)) return;
    if (refused) throw refused;
    const { written, pruned, kept, notes } = await open()
      .finish(r.tree, r.rendered, run.full)
      .catch((e: unknown) => {
        throw refusal(e);
      });
    for (const n of notes) process.stderr.write(`note: ${n}\n`);
    if (kept.length) process.stderr.write(`warning: ${kept.length} file${kept.length === 1 ? '' : 's'} in ${run.outPath}/ not written by tracestack, left as they are: ${kept.join(', ')}\n`);
    if (run.json) {
      const inOut = (files: string[]) => files.map((f) => `${run.outPath}/${f}`);
      reportDiagnostics(r.diagnostics, true, run.inputs, { rendered: r.rendered, written: inOut(written), pruned: inOut(pruned), kept: inOut(kept) });
    } else process.stdout.write(`generated ${environmentSummary(r.rendered, r.reused?.length ?? 0)} into ${run.outPath}/: ${written.length} written, ${pruned.length} pruned, ${r.tree.size - written.length} unchanged\n`);
  } finally {
    await (staged as StagedWrite | undefined)?.close();
  }
}

export const kindList = (m: Map<string, number>) => [...m.keys()].sort().join(', ');

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
