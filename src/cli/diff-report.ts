import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import { buildReport, type DiffReport } from '../diff/report.js';
import { specChanges } from '../diff/spec.js';
import { migrationNotes } from '../diff/migrations/index.js';
import { DEFAULTS_FILE } from '../load/environments.js';
import { generate, validateInputs, type GenerateResult, type Inputs } from '../pipeline.js';
import { compareWithDisk, inScope, readLedger, recoverIfIdle, withLedger, type Change, type Ledger } from '../write/write.js';
import { LEDGER_PATH, type FileTree } from '../plan/plan.js';
import { spawnSync } from 'node:child_process';
import { git, isGitRepo, repoPrefix, resolveCommit, RevisionError } from './git.js';
import { outPathFromRoot, readInputs } from './io.js';
import { readTempoRecord } from '../write/tempo-record.js';

export interface ReportOptions {
  env?: string[];
  out: string;
  /** Git revision holding the previous environment files (default HEAD). */
  base?: string;
}

/**
 * The environment files as they were at a git revision: the "old" side of the spec comparison. Undefined, with the
 * reason, outside a git repository or when the revision does not exist (e.g. no commit yet).
 */
export function readInputsAt(root: string, rev: string): { inputs?: Inputs; reason: string } {
  if (!isGitRepo(root)) return { reason: 'nothing (not a git repository: old values unknown)' };
  const prefix = repoPrefix(root);
  let commit: string;
  try {
    commit = resolveCommit(root, rev, '--base');
  } catch (e) {
    // an explicit --base must exist (checked by the command); the default HEAD may not, before the first commit
    if (e instanceof RevisionError) return { reason: `nothing (git revision ${rev} does not exist: old values unknown)` };
    throw e;
  }
  const listing = git(root, ['ls-tree', '--name-only', '--full-name', '--end-of-options', commit, '--', 'environments/']);
  const names = listing.split('\n').filter(Boolean).map((p) => p.slice(`${prefix}environments/`.length)).filter((n) => /\.ya?ml$/.test(n) && !n.includes('/'));
  const show = (name: string) => ({ path: `environments/${name}`, text: git(root, ['show', `${commit}:${prefix}environments/${name}`]) });
  return {
    inputs: { defaults: names.includes(DEFAULTS_FILE) ? show(DEFAULTS_FILE) : undefined, environments: names.filter((n) => !n.startsWith('_')).sort().map(show) },
    reason: `git ${rev}`,
  };
}

/**
 * The output folder's files as committed at a git revision (path inside the output folder -> text), read with one
 * `git cat-file --batch`. Undefined outside a git repository or when the revision does not exist.
 */
export function readOutAt(root: string, rev: string, outPath: string): Map<string, string> | undefined {
  if (!isGitRepo(root)) return undefined;
  const prefix = `${repoPrefix(root)}${outPath}/`;
  let listing: string;
  try {
    git(root, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
    listing = git(root, ['ls-tree', '-r', '-z', '--full-name', rev, '--', `${outPath}/`]);
  } catch {
    return undefined;
  }
  // "<mode> blob <id>\t<path>" entries; symlinks and submodules are not files tracestack wrote
  const blobs = listing
    .split('\0')
    .filter(Boolean)
    .map((e) => ({ meta: e.slice(0, e.indexOf('\t')).split(' '), path: e.slice(e.indexOf('\t') + 1) }))
    .filter((e) => e.meta[1] === 'blob' && e.meta[0] !== '120000' && e.path.startsWith(prefix));
  const out = new Map<string, string>();
  if (!blobs.length) return out;
  const r = spawnSync('git', ['cat-file', '--batch'], { cwd: root, input: blobs.map((b) => b.meta[2]).join('\n') + '\n', maxBuffer: 1024 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`git cat-file --batch failed: ${r.stderr.toString().trim()}`);
  const buf = r.stdout as Buffer;
  let at = 0;
  for (const b of blobs) {
    const nl = buf.indexOf(0x0a, at);
    const size = Number(buf.subarray(at, nl).toString('utf8').split(' ')[2]);
    out.set(b.path.slice(prefix.length), buf.subarray(nl + 1, nl + 1 + size).toString('utf8'));
    at = nl + 1 + size + 1;
  }
  return out;
}

/** compareWithDisk against a tree held in memory (the output folder at the base revision). */
export function compareWithTree(base: Map<string, string>, tree: FileTree, rendered: string[], full: boolean): Change[] {
  const ledgerText = base.get(LEDGER_PATH);
  let ledger: Ledger | undefined;
  try {
    ledger = ledgerText ? (JSON.parse(ledgerText) as Ledger) : undefined;
  } catch {
    ledger = undefined;
  }
  const planned = withLedger(tree, ledger, rendered, full);
  const changes: Change[] = [];
  for (const [file, content] of [...planned].sort(([a], [b]) => a.localeCompare(b))) {
    if (!base.has(file)) changes.push({ file, kind: 'missing' });
    else if (base.get(file) !== content) changes.push({ file, kind: 'different' });
  }
  for (const file of ledger?.files ?? []) if (!planned.has(file) && inScope(file, rendered, full) && base.has(file)) changes.push({ file, kind: 'stale' });
  return changes;
}

export interface ComputedReport {
  result: GenerateResult;
  /** What generate would change in the output folder on disk (drift). */
  report?: DiffReport;
  /**
   * What the change amounts to against the base revision: the output folder as committed there against a fresh
   * render, and the spec values there against the work tree's. The same whether or not generate already ran.
   * Outside a git repository (or without the revision) it is the drift report.
   */
  baseReport?: DiffReport;
  diagnostics: Diagnostic[];
  outDir: string;
  outPath: string;
  full: boolean;
}

/** Render in memory, compare with out/ on disk, and explain the difference with the spec fields that changed. */
export function computeReport(root: string, opts: ReportOptions): ComputedReport {
  const inputs = readInputs(root);
  const { outDir, outPath } = outPathFromRoot(root, opts.out);
  // an explicit revision must name a commit; never read as a git option
  if (opts.base !== undefined && opts.base !== 'HEAD' && isGitRepo(root)) resolveCommit(root, opts.base, '--base');
  else if (opts.base?.startsWith('-')) resolveCommit(root, opts.base, '--base');
  // a killed run's leftovers are cleaned up under the writer lock; a running generate's are left alone
  for (const n of recoverIfIdle(outDir)) process.stderr.write(`note: ${n}\n`);
  const result = generate(inputs, { outPath, only: opts.env, previousTempo: (env) => readTempoRecord(outDir, outPath, env) });
  const full = !opts.env?.length;
  if (!result.tree) return { result, diagnostics: result.diagnostics, outDir, outPath, full };
  const { changes } = compareWithDisk(outDir, result.tree, result.rendered, full);
  const planned = withLedger(result.tree, readLedger(outDir), result.rendered, full);
  const old = readInputsAt(root, opts.base ?? 'HEAD');
  const before = old.inputs ? validateInputs(old.inputs) : undefined;
  const oldValid = before && !before.diagnostics.some((d) => d.severity === 'error');
  const now = validateInputs(inputs).environments;
  const specAll = specChanges(oldValid ? before.environments : undefined, now, opts.env);
  const spec = changes.length ? specAll : [];
  const baseline = before && !oldValid ? `nothing (the environment files at ${opts.base ?? 'HEAD'} do not validate)` : old.reason;
  const onDisk = (file: string) => {
    const p = join(outDir, file);
    return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
  };
  const migrations = migrationNotes(oldValid ? before.environments : undefined, now, opts.env);
  const report = buildReport({ outPath, changes, onDisk, planned, spec, baseline, migrations });
  const baseTree = readOutAt(root, opts.base ?? 'HEAD', outPath);
  let baseReport = report;
  if (baseTree) {
    const baseChanges = compareWithTree(baseTree, result.tree, result.rendered, full);
    baseReport = buildReport({ outPath, changes: baseChanges, onDisk: (file) => baseTree.get(file), planned, spec: baseChanges.length ? specAll : [], baseline, migrations });
  }
  return { result, report, baseReport, diagnostics: result.diagnostics, outDir, outPath, full };
}
