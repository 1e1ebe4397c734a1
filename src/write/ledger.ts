// The ledger (out/.tracestack/manifest.json): which files in the output folder tracestack wrote, and so may change
// or delete; and which of them a run is responsible for.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FileTree } from '../plan/plan.js';
import { LEDGER_PATH } from '../plan/plan.js';
import { fault, shownPath, withPath, WriteRefused } from './errors.js';

export interface Ledger {
  generator: 'tracestack';
  files: string[];
}

/**
 * The ledger of the output folder, or undefined when there is none. A ledger that is not JSON or not the expected
 * shape is refused (WriteRefused): without it tracestack cannot tell which files it wrote, so it changes nothing.
 */
export function readLedger(outDir: string): Ledger | undefined {
  const p = join(outDir, LEDGER_PATH);
  let text: string;
  try {
    fault('read', p);
    text = readFileSync(p, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw withPath(e, p);
  }
  const fix = `Restore it from git (git checkout -- ${shownPath(p)}), or move ${shownPath(outDir)}/ away and generate again; nothing was changed.`;
  let data: Ledger;
  try {
    data = JSON.parse(text) as Ledger;
  } catch (e) {
    throw new WriteRefused(`${shownPath(p)} is corrupt (not JSON: ${(e as Error).message}); tracestack cannot tell which files in ${shownPath(outDir)}/ it wrote. ${fix}`);
  }
  const bad = (why: string) => new WriteRefused(`${shownPath(p)} is not a tracestack ledger (${why}); tracestack cannot tell which files in ${shownPath(outDir)}/ it wrote. ${fix}`);
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw bad('not a JSON object');
  if (data.generator !== 'tracestack') throw bad('"generator" is not "tracestack"');
  if (!Array.isArray(data.files)) throw bad('"files" is not a list');
  for (const f of data.files as unknown[]) {
    if (typeof f !== 'string' || !f || f.startsWith('/') || f.includes('\\') || f.includes('\0') || f.split('/').some((part) => part === '' || part === '.' || part === '..')) {
      throw bad(`entry ${JSON.stringify(f)} is not a relative path inside the folder`);
    }
  }
  return data;
}

export const ledgerText = (files: string[]) => JSON.stringify({ generator: 'tracestack', files: [...files].sort() }, null, 2) + '\n';

/** Which ledger entries a run is responsible for: the environments it rendered, and the bases when it rendered all. */
export function inScope(file: string, rendered: string[], full: boolean): boolean {
  if (full) return true;
  return rendered.some((env) => file.startsWith(`${env}/`));
}

/** Files a previous run wrote (the ledger), in this run's scope, that the plan no longer has and that are still on disk. */
export function staleFiles(outDir: string, ledger: Ledger | undefined, planned: FileTree, rendered: string[], full: boolean): string[] {
  return (ledger?.files ?? []).filter((f) => !planned.has(f) && inScope(f, rendered, full) && existsSync(join(outDir, f)));
}

/** The tree plus the ledger file. Ledger entries outside this run's scope are carried over, so a later full run can prune them. */
export function withLedger(tree: FileTree, ledger: Ledger | undefined, rendered: string[], full: boolean): FileTree {
  const files = new Set(tree.keys());
  for (const f of ledger?.files ?? []) if (!inScope(f, rendered, full)) files.add(f);
  return new Map([...tree, [LEDGER_PATH, ledgerText([...files])]]);
}
