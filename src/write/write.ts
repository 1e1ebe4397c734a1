import { copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
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
 * Crash injection for the tests: TRACESTACK_FAILPOINT=<name> kills the process (SIGKILL, like a power cut) at that
 * point of a write, so the hardest moments are tested deterministically and not only by random kills.
 */
function failpoint(name: string) {
  if (process.env.TRACESTACK_FAILPOINT === name) process.kill(process.pid, 'SIGKILL');
}

/** Sibling paths of the output folder used by a write: same filesystem, so renames are atomic. */
function siblings(outDir: string) {
  const parent = dirname(outDir);
  const name = basename(outDir);
  return {
    parent,
    lock: join(parent, `.tracestack-lock-${name}`),
    stage: join(parent, `.tracestack-stage-${name}-${process.pid}`),
    old: join(parent, `.tracestack-old-${name}-${process.pid}`),
    leftovers: () => (existsSync(parent) ? readdirSync(parent).filter((f) => f.startsWith(`.tracestack-stage-${name}-`) || f.startsWith(`.tracestack-old-${name}-`)) : []),
  };
}

/**
 * Finish or undo a write that was interrupted (killed) before: if the output folder is missing but a previous
 * tree was moved aside, put it back; then remove staging leftovers. Returns what it did, for the user.
 */
export function recoverInterruptedWrite(outDir: string): string[] {
  const s = siblings(outDir);
  const notes: string[] = [];
  const leftovers = s.leftovers().sort();
  if (!existsSync(outDir)) {
    const old = leftovers.find((f) => f.startsWith('.tracestack-old-'));
    if (old) {
      renameSync(join(s.parent, old), outDir);
      notes.push(`restored ${basename(outDir)}/ from an interrupted run`);
    }
  }
  for (const f of s.leftovers()) rmSync(join(s.parent, f), { recursive: true, force: true });
  return notes;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One writer at a time per output folder; a lock left by a dead process is taken over. */
function acquireLock(lock: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
      return () => rmSync(lock, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number.parseInt(readFileSync(lock, 'utf8'), 10);
      if (Number.isFinite(pid) && pid !== process.pid && isAlive(pid)) {
        throw new WriteRefused(`another tracestack (pid ${pid}) is writing ${basename(dirname(lock))}/${basename(lock).replace('.tracestack-lock-', '')}; wait for it to finish and run again`);
      }
      rmSync(lock, { force: true });
    }
  }
  throw new WriteRefused(`could not take the lock ${lock}`);
}

export interface WriteResult {
  written: string[];
  pruned: string[];
  /** Files in the output folder that tracestack did not write: left as they are. */
  kept: string[];
  notes: string[];
}

/**
 * Write the tree atomically as a whole: build the complete new output folder beside the old one (unchanged and
 * foreign files hard-linked, changed files written, stale ledger files left out), then swap the two folders.
 * A kill at any moment leaves the old tree or the new one; the gap between the two renames is repaired by
 * recoverInterruptedWrite at the start of the next run. A file tracestack did not write is never overwritten
 * or deleted, and nothing is written through a symlink.
 */
export function writeTree(outDir: string, tree: FileTree, rendered: string[], full: boolean, force = false): WriteResult {
  const s = siblings(outDir);
  mkdirSync(s.parent, { recursive: true });
  const release = acquireLock(s.lock);
  try {
    const notes = recoverInterruptedWrite(outDir);
    const ledger = existsSync(outDir) ? readLedger(outDir) : undefined;
    const owned = new Set(ledger?.files ?? []);
    const { changes, unowned } = compareWithDisk(outDir, tree, rendered, full);
    if (unowned.length && !force) {
      throw new WriteRefused(`refusing to overwrite files that tracestack did not write (not in ${LEDGER_PATH}):\n  ${unowned.join('\n  ')}\nMove them away, or run with --force to take them over.`);
    }
    const planned = withLedger(tree, ledger, rendered, full);
    const seen = new Map<string, 'dir' | 'missing'>();
    for (const file of planned.keys()) refuseSymlinkOnPath(outDir, file, seen);
    const stale = new Set(changes.filter((c) => c.kind === 'stale' && owned.has(c.file)).map((c) => c.file));
    const changed = new Set(changes.filter((c) => c.kind !== 'stale').map((c) => c.file));
    if (!changed.size && !stale.size && existsSync(outDir)) return { written: [], pruned: [], kept: foreignFiles(outDir, planned, owned), notes };

    // 1. Stage: the old tree minus stale files, by hard link (cheap, and the old tree stays intact).
    mkdirSync(s.stage, { recursive: true });
    if (existsSync(outDir)) copyTree(outDir, s.stage, (rel) => !stale.has(rel) && !changed.has(rel));
    // 2. Write what changed into the stage, making each folder once.
    const made = new Set<string>();
    for (const file of changed) {
      const target = join(s.stage, file);
      const dir = dirname(target);
      if (!made.has(dir)) {
        mkdirSync(dir, { recursive: true });
        made.add(dir);
      }
      writeFileSync(target, planned.get(file)!);
    }
    for (const f of stale) removeEmptyDirs(dirname(join(s.stage, f)), s.stage);
    // 3. Swap.
    failpoint('staged');
    if (existsSync(outDir)) renameSync(outDir, s.old);
    failpoint('between-renames');
    renameSync(s.stage, outDir);
    rmSync(s.old, { recursive: true, force: true });
    return {
      written: [...changed].filter((f) => f !== LEDGER_PATH).sort(),
      pruned: [...stale].sort(),
      kept: foreignFiles(outDir, planned, owned),
      notes,
    };
  } finally {
    rmSync(s.stage, { recursive: true, force: true });
    release();
  }
}

/**
 * Refuse when any existing component of the path inside the output folder is a symlink. `seen` remembers the
 * folders already looked at in this run ('dir' exists and is no link, 'missing' does not exist), so a tree of
 * thousands of files costs one lstat per folder.
 */
function refuseSymlinkOnPath(outDir: string, file: string, seen: Map<string, 'dir' | 'missing'>) {
  let p = outDir;
  const parts = file.split('/');
  for (let i = 0; i < parts.length; i++) {
    p = join(p, parts[i]);
    const last = i === parts.length - 1;
    const known = last ? undefined : seen.get(p);
    if (known === 'missing') return;
    if (known === 'dir') continue;
    let st;
    try {
      st = lstatSync(p);
    } catch {
      if (!last) seen.set(p, 'missing');
      return;
    }
    if (st.isSymbolicLink()) throw new WriteRefused(`refusing to write ${file}: ${relative(dirname(outDir), p)} is a symlink (tracestack does not write through links)`);
    if (!last) seen.set(p, 'dir');
  }
}

/** Hard-link (or, across devices, copy) files; re-create symlinks as symlinks, never following them. */
function copyTree(from: string, to: string, include: (rel: string) => boolean, rel = '') {
  for (const e of readdirSync(join(from, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    const src = join(from, r);
    const dst = join(to, r);
    if (e.isSymbolicLink()) {
      symlinkSync(readlinkSync(src), dst);
    } else if (e.isDirectory()) {
      mkdirSync(dst, { recursive: true });
      copyTree(from, to, include, r);
    } else if (include(r)) {
      try {
        linkSync(src, dst);
      } catch {
        copyFileSync(src, dst);
      }
    }
  }
}

function foreignFiles(outDir: string, planned: FileTree, owned: Set<string>): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(outDir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (!planned.has(r) && !owned.has(r)) out.push(r);
    }
  };
  if (existsSync(outDir)) walk('');
  return out.sort();
}

function removeEmptyDirs(dir: string, root: string) {
  while (dir !== root && relative(root, dir) && !relative(root, dir).startsWith('..')) {
    if (!existsSync(dir) || readdirSync(dir).length) return;
    rmdirSync(dir);
    dir = dirname(dir);
  }
}
