import { copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { Worker } from 'node:worker_threads';
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
  for (const file of staleFiles(outDir, ledger, planned, rendered, full)) changes.push({ file, kind: 'stale' });
  return { changes, unowned };
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

/**
 * compareWithDisk fed in parts while the tree is rendered: a worker thread reads and compares each part's files
 * meanwhile (for `generate --check` on a fleet, where reading thousands of files would otherwise come after the
 * rendering). The result is the same list, in the same order, as compareWithDisk's.
 */
export class BackgroundCompare {
  private worker: Worker | undefined;
  private readonly seen = new Set<string>();
  private batch: Array<[string, string]> = [];
  constructor(readonly outDir: string) {}

  add(files: Iterable<[string, string]>): void {
    this.worker ??= new Worker(COMPARE_SOURCE, { eval: true, workerData: { outDir: this.outDir } });
    for (const entry of files) {
      this.seen.add(entry[0]);
      this.batch.push(entry);
      if (this.batch.length >= 64) this.flush();
    }
  }

  private flush() {
    if (this.batch.length) this.worker!.postMessage(this.batch);
    this.batch = [];
  }

  async finish(tree: FileTree, rendered: string[], full: boolean): Promise<Change[]> {
    const ledger = readLedger(this.outDir);
    const planned = withLedger(tree, ledger, rendered, full);
    this.add([...planned].filter(([f]) => !this.seen.has(f)));
    this.flush();
    const worker = this.worker!;
    const found = await new Promise<Change[]>((resolve, reject) => {
      worker.once('message', (m: { changes: Change[] }) => resolve(m.changes));
      worker.once('error', reject);
      worker.postMessage('end');
    });
    const changes = found.filter((c) => planned.has(c.file)).sort((a, b) => a.file.localeCompare(b.file));
    for (const file of staleFiles(this.outDir, ledger, planned, rendered, full)) changes.push({ file, kind: 'stale' });
    return changes;
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
  }
}

const COMPARE_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const changes = [];
parentPort.on('message', (m) => {
  if (m === 'end') return parentPort.postMessage({ changes });
  for (const [file, content] of m) {
    let old;
    try {
      old = readFileSync(join(workerData.outDir, file), 'utf8');
    } catch (e) {
      changes.push({ file, kind: e && e.code === 'ENOENT' ? 'missing' : 'different' });
      continue;
    }
    if (old !== content) changes.push({ file, kind: 'different' });
  }
});
`;

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
export async function writeTree(outDir: string, tree: FileTree, rendered: string[], full: boolean, force = false): Promise<WriteResult> {
  const w = new StagedWrite(outDir, { force });
  try {
    w.add(tree);
    return await w.finish(tree, rendered, full);
  } finally {
    await w.close();
  }
}

/**
 * The same atomic write, fed in parts while the tree is still being rendered: each part is compared with disk
 * and what changed is written into the staging folder at once (by a worker thread when `background`, so a big
 * fleet's file writes overlap the rendering of the next environments). Nothing is visible in the output folder
 * until finish() swaps it in; close() without finish() (a failed run) removes the staging folder.
 */
export class StagedWrite {
  private readonly s: ReturnType<typeof siblings>;
  private readonly release: () => void;
  readonly notes: string[];
  private readonly existed: boolean;
  private readonly ledger: Ledger | undefined;
  private readonly owned: Set<string>;
  private readonly seenDirs = new Map<string, 'dir' | 'missing'>();
  private readonly changed = new Set<string>();
  private readonly seen = new Set<string>();
  private readonly unowned: string[] = [];
  private readonly writer: StageWriter;

  constructor(
    readonly outDir: string,
    private readonly options: { force?: boolean; background?: boolean } = {},
  ) {
    this.s = siblings(outDir);
    mkdirSync(this.s.parent, { recursive: true });
    this.release = acquireLock(this.s.lock);
    try {
      this.notes = recoverInterruptedWrite(outDir);
      this.existed = existsSync(outDir);
      this.ledger = this.existed ? readLedger(outDir) : undefined;
      this.owned = new Set(this.ledger?.files ?? []);
      this.writer = options.background ? new BackgroundWriter(this.s.stage) : new InlineWriter(this.s.stage);
    } catch (e) {
      this.release();
      throw e;
    }
  }

  /** Compare files with disk and stage the ones that are new or changed. Throws WriteRefused for a symlink. */
  add(files: Iterable<[string, string]>): void {
    for (const [file, content] of files) {
      if (this.seen.has(file)) throw new Error(`internal: ${file} staged twice`);
      this.seen.add(file);
      refuseSymlinkOnPath(this.outDir, file, this.seenDirs);
      if (this.existed) {
        let old: string | undefined;
        try {
          old = readFileSync(join(this.outDir, file), 'utf8');
        } catch {
          old = undefined;
        }
        if (old !== undefined) {
          if (!this.owned.has(file) && file !== LEDGER_PATH) this.unowned.push(file);
          if (old === content) continue;
        }
      }
      this.changed.add(file);
      this.writer.write(file, content);
    }
  }

  /** Stage the ledger and whatever of `tree` was not added yet, prune stale files, and swap the folders. */
  async finish(tree: FileTree, rendered: string[], full: boolean): Promise<WriteResult> {
    const planned = withLedger(tree, this.ledger, rendered, full);
    for (const f of this.seen) if (!planned.has(f)) throw new Error(`internal: staged ${f}, which is not in the tree`);
    this.add([...planned].filter(([f]) => !this.seen.has(f)));
    if (this.unowned.length && !this.options.force) {
      throw new WriteRefused(`refusing to overwrite files that tracestack did not write (not in ${LEDGER_PATH}):\n  ${[...this.unowned].sort().join('\n  ')}\nMove them away, or run with --force to take them over.`);
    }
    const stale = new Set(staleFiles(this.outDir, this.ledger, planned, rendered, full));
    const changed = this.changed;
    if (this.existed && !stale.size && !changed.size) {
      return { written: [], pruned: [], kept: foreignFiles(this.outDir, planned, this.owned), notes: this.notes };
    }
    await this.writer.done();
    // The old tree minus stale and changed files, by hard link (cheap, and the old tree stays intact).
    mkdirSync(this.s.stage, { recursive: true });
    if (this.existed) copyTree(this.outDir, this.s.stage, (rel) => !stale.has(rel) && !changed.has(rel));
    for (const f of stale) removeEmptyDirs(dirname(join(this.s.stage, f)), this.s.stage);
    failpoint('staged');
    if (this.existed) renameSync(this.outDir, this.s.old);
    failpoint('between-renames');
    renameSync(this.s.stage, this.outDir);
    rmSync(this.s.old, { recursive: true, force: true });
    return {
      written: [...changed].filter((f) => f !== LEDGER_PATH).sort(),
      pruned: [...stale].sort(),
      kept: foreignFiles(this.outDir, planned, this.owned),
      notes: this.notes,
    };
  }

  /** Always call: stops the writer, removes the staging folder (after a swap it is gone already), frees the lock. */
  async close(): Promise<void> {
    try {
      await this.writer.done().catch(() => undefined);
      rmSync(this.s.stage, { recursive: true, force: true });
    } finally {
      this.release();
    }
  }
}

interface StageWriter {
  write(file: string, content: string): void;
  /** Resolves when every write so far is on disk; rejects with the first write error. */
  done(): Promise<void>;
}

/** Writes on the calling thread, making each folder once. */
class InlineWriter implements StageWriter {
  private readonly made = new Set<string>();
  private error: unknown;
  constructor(private readonly stage: string) {}
  write(file: string, content: string): void {
    if (this.error) return;
    try {
      const target = join(this.stage, file);
      const dir = dirname(target);
      if (!this.made.has(dir)) {
        mkdirSync(dir, { recursive: true });
        this.made.add(dir);
      }
      writeFileSync(target, content);
    } catch (e) {
      this.error = e;
    }
  }
  done(): Promise<void> {
    return this.error ? Promise.reject(this.error) : Promise.resolve();
  }
}

/**
 * Writes on a worker thread: creating thousands of small files is mostly kernel time, which then runs on the
 * second core while this thread renders. The worker is a few lines of plain fs calls (no bundle to load).
 */
class BackgroundWriter implements StageWriter {
  private worker: Worker | undefined;
  private batch: Array<[string, string]> = [];
  private pending: Promise<void> | undefined;
  constructor(private readonly stage: string) {}
  write(file: string, content: string): void {
    // started at the first changed file: a run that changes nothing starts no thread
    this.worker ??= new Worker(WRITER_SOURCE, { eval: true, workerData: { stage: this.stage } });
    this.batch.push([file, content]);
    if (this.batch.length >= 32) this.flush();
  }
  private flush() {
    if (this.batch.length) this.worker!.postMessage(this.batch);
    this.batch = [];
  }
  done(): Promise<void> {
    const worker = this.worker;
    if (!worker) return Promise.resolve();
    this.flush();
    this.pending ??= new Promise<void>((resolve, reject) => {
      worker.once('message', (m: { error?: string }) => {
        void worker.terminate();
        if (m.error) reject(new Error(m.error));
        else resolve();
      });
      worker.once('error', reject);
      worker.postMessage('end');
    });
    return this.pending;
  }
}

const WRITER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { mkdirSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const made = new Set();
let error;
parentPort.on('message', (m) => {
  if (m === 'end') return parentPort.postMessage({ error });
  if (error) return;
  try {
    for (const [file, content] of m) {
      const target = join(workerData.stage, file);
      const dir = dirname(target);
      if (!made.has(dir)) { mkdirSync(dir, { recursive: true }); made.add(dir); }
      writeFileSync(target, content);
    }
  } catch (e) { error = String(e && e.message || e); }
});
`;

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
