import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, cpSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { readInputs } from '../../src/cli/io.js';
import { generate } from '../../src/pipeline.js';
import { GIT_ENV } from './git.js';
import type { FileTree } from '../../src/plan/plan.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The command exactly as `npm install` ships it (bin/tracestack.cjs running the bundle dist/tracestack.cjs). */
export const CLI = join(REPO, 'bin/tracestack.cjs');

/** Render the committed example environments in memory, exactly as `tracestack generate` would. */
export function renderExamples(root = REPO): FileTree {
  const r = generate(readInputs(root), { outPath: 'out' });
  if (!r.tree) throw new Error(`examples do not render:\n${r.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.message}`).join('\n')}`);
  return r.tree;
}

/** All files below dir, as POSIX paths relative to it. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}

export function readTree(dir: string): Map<string, string> {
  return new Map(listFiles(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

/** sha256 over files as (path NUL content NUL), in path order: equal exactly when paths and contents are. */
export function hashFiles(files: Iterable<readonly [string, string]>): string {
  const h = createHash('sha256');
  for (const [f, c] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) h.update(f).update('\0').update(c).update('\0');
  return h.digest('hex');
}

/** The hash of every file below dir (see hashFiles); 'absent' when there is no such folder, so a deleted tree never equals an empty one. */
export const treeHash = (dir: string): string => (existsSync(dir) ? hashFiles(readTree(dir)) : 'absent');

export function yamlDocs(text: string): any[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS())
    .filter((d) => d !== null && d !== undefined);
}

/** A scratch copy of the repository inputs (environments/ and, if asked, out/) in a temp folder. */
export function scratchRepo(withOut = true): string {
  const dir = mkdtempSync(join(tmpdir(), 'tracestack-test-'));
  cpSync(join(REPO, 'environments'), join(dir, 'environments'), { recursive: true });
  if (withOut) cpSync(join(REPO, 'out'), join(dir, 'out'), { recursive: true });
  return dir;
}

/**
 * Run the CLI as a user would (NO_COLOR, no FORCE_COLOR, git identity fixed); exit code and both streams, and the
 * signal only when one ended it (tests compare the result with toEqual({ code, out, err })).
 */
export function runCli(cwd: string, args: string[], env: Record<string, string> = {}): { code: number | null; signal?: NodeJS.Signals; out: string; err: string } {
  const base: Record<string, string | undefined> = { ...process.env, ...GIT_ENV, NO_COLOR: '1' };
  delete base.FORCE_COLOR; // a test runner may set it for its own output; a test that wants it passes it
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...base, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr, ...(r.signal ? { signal: r.signal } : {}) };
}

/** Replace text in a file; fails when nothing changed, so a test never edits in vain. */
export function editFile(file: string, from: string | RegExp, to: string): void {
  const text = readFileSync(file, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`no change made to ${file} (${from} not found)`);
  writeFileSync(file, next);
}
