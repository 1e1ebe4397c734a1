import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type { FileTree } from '../plan/plan.js';
import { LEDGER_PATH } from '../plan/plan.js';

export interface Ledger {
  generator: 'tracestack';
  files: string[];
}

export function readLedger(outDir: string): Ledger | undefined {
  const p = join(outDir, LEDGER_PATH);
  if (!existsSync(p)) return undefined;
  const data = JSON.parse(readFileSync(p, 'utf8')) as Ledger;
  if (data.generator !== 'tracestack' || !Array.isArray(data.files)) throw new Error(`${p} is not a tracestack ledger`);
  return data;
}

export const ledgerText = (files: string[]) => JSON.stringify({ generator: 'tracestack', files: [...files].sort() }, null, 2) + '\n';

/** Which ledger entries a run is responsible for: the environments it rendered, and the bases when it rendered all. */
export function inScope(file: string, rendered: string[], full: boolean): boolean {
  if (full) return true;
  return rendered.some((env) => file.startsWith(`${env}/`));
}

export interface Change {
  file: string;
  kind: 'missing' | 'different' | 'stale';
}

/** Compare the planned tree with disk: what `generate` would create, change or delete. */
export function compareWithDisk(outDir: string, tree: FileTree, rendered: string[], full: boolean): { changes: Change[]; unowned: string[] } {
  const ledger = readLedger(outDir);
  const owned = new Set(ledger?.files ?? []);
  const changes: Change[] = [];
  const unowned: string[] = [];
  const planned = withLedger(tree, ledger, rendered, full);
  for (const [file, content] of [...planned].sort(([a], [b]) => a.localeCompare(b))) {
    const p = join(outDir, file);
    if (!existsSync(p)) changes.push({ file, kind: 'missing' });
    else {
      if (!owned.has(file) && file !== LEDGER_PATH) unowned.push(file);
      if (readFileSync(p, 'utf8') !== content) changes.push({ file, kind: 'different' });
    }
  }
  for (const file of owned) {
    if (!planned.has(file) && inScope(file, rendered, full) && existsSync(join(outDir, file))) changes.push({ file, kind: 'stale' });
  }
  return { changes, unowned };
}

/** The tree plus the ledger file. Ledger entries outside this run's scope are carried over, so a later full run can prune them. */
export function withLedger(tree: FileTree, ledger: Ledger | undefined, rendered: string[], full: boolean): FileTree {
  const files = new Set(tree.keys());
  for (const f of ledger?.files ?? []) if (!inScope(f, rendered, full)) files.add(f);
  return new Map([...tree, [LEDGER_PATH, ledgerText([...files])]]);
}

export class WriteRefused extends Error {}

/**
 * Write the tree: each file through a temporary sibling and a rename (a reader never sees half a file), prune
 * ledger files no longer produced, then the ledger. A file tracestack did not write is never overwritten or
 * deleted, and nothing is written through a symlink that leads out of the output folder.
 */
export function writeTree(outDir: string, tree: FileTree, rendered: string[], full: boolean, force = false): { written: string[]; pruned: string[] } {
  mkdirSync(outDir, { recursive: true });
  const root = realpathSync(outDir);
  const ledger = readLedger(outDir);
  const owned = new Set(ledger?.files ?? []);
  const { changes, unowned } = compareWithDisk(outDir, tree, rendered, full);
  if (unowned.length && !force) {
    throw new WriteRefused(`refusing to overwrite files that tracestack did not write (not in ${LEDGER_PATH}):\n  ${unowned.join('\n  ')}\nMove them away, or run with --force to take them over.`);
  }
  const planned = withLedger(tree, ledger, rendered, full);
  // Every target is checked before the first byte is written: a refusal leaves the folder as it was.
  const targetOf = (file: string) => {
    const target = join(outDir, file);
    let existing = dirname(target);
    while (!existsSync(existing)) existing = dirname(existing);
    const real = realpathSync(existing);
    if (real !== root && !real.startsWith(root + sep)) throw new WriteRefused(`refusing to write ${file}: its folder leads outside ${outDir} (symlink)`);
    if (existsSync(target) && lstatSync(target).isSymbolicLink()) throw new WriteRefused(`refusing to write ${file}: it is a symlink`);
    return target;
  };
  const targets = new Map([...changes.map((c) => c.file), LEDGER_PATH].map((f) => [f, targetOf(f)]));
  const put = (file: string) => {
    const target = targets.get(file)!;
    mkdirSync(dirname(target), { recursive: true });
    const tmp = `${target}.tracestack-tmp-${process.pid}`;
    writeFileSync(tmp, planned.get(file)!);
    renameSync(tmp, target);
  };
  const written: string[] = [];
  for (const c of changes) {
    if (c.kind === 'stale' || c.file === LEDGER_PATH) continue;
    put(c.file);
    written.push(c.file);
  }
  const pruned: string[] = [];
  for (const c of changes) {
    if (c.kind !== 'stale' || !owned.has(c.file)) continue;
    const target = targets.get(c.file)!;
    unlinkSync(target);
    pruned.push(c.file);
    removeEmptyDirs(dirname(target), root);
  }
  put(LEDGER_PATH);
  return { written, pruned };
}
function removeEmptyDirs(dir: string, root: string) {
  while (dir !== root && relative(root, dir) && !relative(root, dir).startsWith('..')) {
    if (readdirSync(dir).length) return;
    rmdirSync(dir);
    dir = dirname(dir);
  }
}
