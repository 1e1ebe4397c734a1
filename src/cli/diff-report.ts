import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import { buildReport, type DiffReport } from '../diff/report.js';
import { specChanges } from '../diff/spec.js';
import { DEFAULTS_FILE } from '../load/environments.js';
import { generate, validateInputs, type GenerateResult, type Inputs } from '../pipeline.js';
import { compareWithDisk, readLedger, withLedger } from '../write/write.js';
import { git, isGitRepo, repoPrefix } from './git.js';
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
  let listing: string;
  try {
    git(root, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
    listing = git(root, ['ls-tree', '--name-only', '--full-name', rev, '--', 'environments/']);
  } catch {
    return { reason: `nothing (git revision ${rev} does not exist: old values unknown)` };
  }
  const names = listing.split('\n').filter(Boolean).map((p) => p.slice(`${prefix}environments/`.length)).filter((n) => /\.ya?ml$/.test(n) && !n.includes('/'));
  const show = (name: string) => ({ path: `environments/${name}`, text: git(root, ['show', `${rev}:${prefix}environments/${name}`]) });
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
