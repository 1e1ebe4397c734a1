import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import { buildReport, type DiffReport } from '../diff/report.js';
import { specChanges } from '../diff/spec.js';
import { DEFAULTS_FILE } from '../load/environments.js';
import { generate, validateInputs, type GenerateResult, type Inputs } from '../pipeline.js';
import { compareWithDisk, readLedger, recoverIfIdle, withLedger } from '../write/write.js';
import { git, isGitRepo, repoPrefix, resolveCommit, RevisionError } from './git.js';
import { outPathFromRoot, readInputs } from './io.js';

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

export interface ComputedReport {
  result: GenerateResult;
  report?: DiffReport;
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
  const result = generate(inputs, { outPath, only: opts.env });
  const full = !opts.env?.length;
  if (!result.tree) return { result, diagnostics: result.diagnostics, outDir, outPath, full };
  const { changes } = compareWithDisk(outDir, result.tree, result.rendered, full);
  const planned = withLedger(result.tree, readLedger(outDir), result.rendered, full);
  const old = readInputsAt(root, opts.base ?? 'HEAD');
  const before = old.inputs ? validateInputs(old.inputs) : undefined;
  const oldValid = before && !before.diagnostics.some((d) => d.severity === 'error');
  const now = validateInputs(inputs).environments;
  const spec = changes.length ? specChanges(oldValid ? before.environments : undefined, now, opts.env) : [];
  const baseline = before && !oldValid ? `nothing (the environment files at ${opts.base ?? 'HEAD'} do not validate)` : old.reason;
  const onDisk = (file: string) => {
    const p = join(outDir, file);
    return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
  };
  const report = buildReport({ outPath, changes, onDisk, planned, spec, baseline });
  return { result, report, diagnostics: result.diagnostics, outDir, outPath, full };
}
