import { copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FileTree } from '../plan/plan.js';
import { LEDGER_PATH } from '../plan/plan.js';
import { FLEET_PATH } from '../fleet/incremental.js';
import { describeFsError, errorFrom, failpoint, fault, faultSpec, shownPath, withPath, WriteRefused } from './errors.js';

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
    let old: string;
    try {
      fault('read', p);
      old = readFileSync(p, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && (e as NodeJS.ErrnoException).code !== 'ENOTDIR') throw withPath(e, p);
      changes.push({ file, kind: 'missing' });
      continue;
    }
    if (!owned.has(file) && file !== LEDGER_PATH) unowned.push(file);
    if (old !== content) changes.push({ file, kind: 'different' });
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

  /** `sameAsDisk`: files just read from disk and found as recorded (src/fleet/incremental.ts): not read again. */
  add(files: Iterable<[string, string]>, sameAsDisk = false): void {
    this.worker ??= new Worker(COMPARE_SOURCE, { eval: true, workerData: { outDir: this.outDir, fault: faultSpec } });
    for (const entry of files) {
      this.seen.add(entry[0]);
      if (sameAsDisk) continue;
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
      worker.once('message', (m: { changes: Change[]; error?: { message: string; code?: string; path?: string } }) => (m.error ? reject(errorFrom(m.error)) : resolve(m.changes)));
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
const fault = workerData.fault;
let error;
parentPort.on('message', (m) => {
  if (m === 'end') return parentPort.postMessage({ changes, error });
  for (const [file, content] of m) {
    let old;
    const p = join(workerData.outDir, file);
    try {
      if (fault && fault.op === 'read' && p.includes(fault.part)) throw Object.assign(new Error(fault.code + ': injected'), { code: fault.code, path: p });
      old = readFileSync(p, 'utf8');
    } catch (e) {
      if (e && (e.code === 'ENOENT' || e.code === 'ENOTDIR')) changes.push({ file, kind: 'missing' });
      else error ??= { message: String(e && e.message || e), code: e && e.code, path: (e && e.path) || p };
      continue;
    }
    if (old !== content) changes.push({ file, kind: 'different' });
  }
});
`;

export { WriteRefused };

/** Sibling paths of the output folder used by a write: same filesystem, so renames are atomic. */
function siblings(outDir: string) {
  const parent = dirname(outDir);
  const name = basename(outDir);
  return {
    parent,
    name,
    lock: join(parent, `.tracestack-lock-${name}`),
    journal: join(parent, `.tracestack-swap-${name}`),
    stage: join(parent, `.tracestack-stage-${name}-${process.pid}`),
    old: join(parent, `.tracestack-old-${name}-${process.pid}`),
    backup: join(parent, `.tracestack-backup-${name}-${process.pid}`),
    leftovers: () =>
      existsSync(parent)
        ? readdirSync(parent).filter((f) => [`.tracestack-stage-${name}-`, `.tracestack-old-${name}-`, `.tracestack-backup-${name}-`].some((prefix) => f.startsWith(prefix)))
        : [],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The writer lock. One file beside out/, created with O_EXCL, holding who took it: pid, the process's start time
// (from /proc), the boot id and the host name. A lock whose process is gone, or whose pid now belongs to another
// process (start time differs), or that was taken before the last reboot, is stale and is taken over. A lock
// from another host is never taken over (it cannot be checked from here).

interface LockInfo {
  pid: number;
  start?: string;
  boot?: string;
  host?: string;
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** A process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), where /proc exists. */
function processStart(pid: number): string | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

const BOOT_ID = readProc('/proc/sys/kernel/random/boot_id')?.trim();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseLock(text: string): LockInfo | undefined {
  try {
    const j = JSON.parse(text) as LockInfo;
    if (Number.isInteger(j.pid) && j.pid > 0) return j;
  } catch {
    // the format before 0.1: the pid alone
  }
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 ? { pid } : undefined;
}

/** Why the lock's holder is no longer running (stale), or undefined when it may still be running. */
function staleReason(info: LockInfo | undefined): string | undefined {
  if (!info) return 'unreadable';
  if (info.host && info.host !== hostname()) return undefined;
  if (info.boot && BOOT_ID && info.boot !== BOOT_ID) return 'taken before the last reboot';
  if (info.pid === process.pid && info.start === processStart(process.pid)) return undefined;
  if (!isAlive(info.pid)) return `process ${info.pid} is gone`;
  const start = processStart(info.pid);
  if (info.start && start && info.start !== start) return `pid ${info.pid} now belongs to another process`;
  return undefined;
}

export class WriteLock {
  private released = false;
  private constructor(
    readonly path: string,
    private readonly text: string,
  ) {}

  /** Take the lock of the output folder, or throw WriteRefused naming the process that holds it. */
  static acquire(outDir: string): WriteLock {
    const r = WriteLock.tryAcquire(outDir);
    if (r instanceof WriteLock) return r;
    const s = siblings(outDir);
    const where = r.host && r.host !== hostname() ? ` on host ${r.host}` : '';
    throw new WriteRefused(
      `another tracestack (pid ${r.pid}${where}) is writing ${shownPath(outDir)}/; wait for it to finish and run again` +
        (where ? ` (if nothing runs there any more, delete ${shownPath(s.lock)})` : ''),
    );
  }

  /** Take the lock if it is free or stale; otherwise say who holds it. */
  static tryAcquire(outDir: string): WriteLock | LockInfo {
    const s = siblings(outDir);
    const text = JSON.stringify({ pid: process.pid, start: processStart(process.pid), boot: BOOT_ID, host: hostname() }) + '\n';
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        fault('lock', s.lock);
        writeFileSync(s.lock, text, { flag: 'wx' });
        return new WriteLock(s.lock, text);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const seen = readProc(s.lock);
      if (seen === undefined) continue; // released meanwhile
      const info = parseLock(seen);
      if (!staleReason(info)) return info!;
      // Take a stale lock over without ever removing a live one: only the holder of a second, short-lived lock
      // (the breaker) may delete the lock file, and only if it still holds what was judged stale. While the stale
      // file exists nobody can create a new one, so what the breaker holder reads is what it deletes.
      const breaker = `${s.lock}.break`;
      try {
        writeFileSync(breaker, text, { flag: 'wx' });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        // another process is breaking it; a breaker left by a killed process is removed after 10 s
        try {
          if (Date.now() - statSync(breaker).mtimeMs > 10_000) rmSync(breaker, { force: true });
        } catch {
          // gone meanwhile
        }
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
        continue;
      }
      try {
        if (readProc(s.lock) === seen) rmSync(s.lock, { force: true });
      } finally {
        rmSync(breaker, { force: true });
      }
    }
    const again = parseLock(readProc(s.lock) ?? '');
    if (again && !staleReason(again)) return again;
    throw new WriteRefused(`could not take the lock ${shownPath(s.lock)}: it is stale, and another tracestack is taking it over; run again`);
  }

  /** Whether the lock file is still ours (checked before anything is swapped or deleted). */
  held(): boolean {
    return !this.released && readProc(this.path) === this.text;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    if (readProc(this.path) === this.text) rmSync(this.path, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Recovery. Before the swap, the writer records in a journal beside out/ which staging folder (complete: its
// ledger is written last and checked) replaces out/, where the old tree goes, and the identity (device and inode)
// of each. Recovery runs only under the lock and acts on what the journal says and the disk still shows:
//   out/ missing, old tree and complete stage both as the journal names them -> killed between the two renames:
//     the old tree is put back;
//   out/ missing, old tree there, stage gone -> the swap was done and out/ was deleted since: nothing is restored
//     (the old tree may be half deleted) and the leftover is removed;
//   anything else -> the swap had not begun (out/ is the old tree) or had finished (out/ is the stage): leftovers
//     are removed.
// Staging folders and backups beside out/ that no journal names belong to dead runs (the lock is held) and are
// removed. Nothing else recovers or deletes.

interface Journal {
  pid: number;
  stage: string;
  old: string;
  stageId: string;
  outId: string;
}

const identity = (p: string): string | undefined => {
  try {
    const st = lstatSync(p, { bigint: true });
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
};

function readJournal(path: string): Journal | undefined {
  const text = readProc(path);
  if (text === undefined) return undefined;
  try {
    const j = JSON.parse(text) as Journal;
    if (typeof j.stage === 'string' && typeof j.old === 'string' && !/[\\/]/.test(j.stage + j.old)) return j;
  } catch {
    // a journal cut short: the swap had not begun (it is written before the first rename)
  }
  return undefined;
}

/** Whether a killed run left anything beside out/ (read-only; deciding what to do needs the lock). */
export function interruptedState(outDir: string): boolean {
  const s = siblings(outDir);
  return existsSync(s.journal) || s.leftovers().length > 0;
}

/** Finish or undo a write that was killed (see above). Only with the lock held. Returns what it did, for the user. */
export function recoverInterruptedWrite(outDir: string, lock: WriteLock): string[] {
  if (!lock.held()) throw new WriteRefused(`lost the lock ${shownPath(lock.path)} (deleted by someone else?); nothing was changed`);
  const s = siblings(outDir);
  const notes: string[] = [];
  const journal = readJournal(s.journal);
  if (journal) {
    const old = join(s.parent, journal.old);
    const stage = join(s.parent, journal.stage);
    const outGone = identity(outDir) === undefined;
    const oldThere = identity(old) === journal.outId;
    if (outGone && oldThere && identity(stage) === journal.stageId) {
      renameSync(old, outDir);
      notes.push(`restored ${s.name}/ from an interrupted run (killed while swapping in a new tree)`);
    } else if (outGone && oldThere) {
      notes.push(`not restoring the previous ${s.name}/ left by an interrupted run: that run had finished its swap, and ${s.name}/ was deleted since`);
    }
  }
  for (const f of s.leftovers()) {
    if (f === basename(s.backup)) continue; // this process's own (pr), taken under this lock
    if (f.startsWith('.tracestack-old-') && f !== journal?.old) notes.push(`removed ${f}, a previous ${s.name}/ an interrupted run left without a swap journal (not restored: nothing says it is complete)`);
    rmSync(join(s.parent, f), { recursive: true, force: true });
  }
  rmSync(s.journal, { force: true });
  return notes;
}

/**
 * For the read-only commands (generate --check, diff): when a killed run left something beside out/, take the
 * lock and recover; when a live run holds the lock, leave everything alone (its staging folder is its own) and
 * read out/ as it is.
 */
export function recoverIfIdle(outDir: string): string[] {
  if (!interruptedState(outDir)) return [];
  let lock: WriteLock | LockInfo;
  try {
    lock = WriteLock.tryAcquire(outDir);
  } catch (e) {
    const why = describeFsError(e) ?? (e as Error).message;
    return [`an interrupted run left files beside ${shownPath(outDir)}/, and they cannot be cleaned up now (${why}); reading ${shownPath(outDir)}/ as it is`];
  }
  if (!(lock instanceof WriteLock)) {
    return existsSync(outDir) ? [] : [`another tracestack (pid ${lock.pid}) is replacing ${shownPath(outDir)}/ right now; run again when it has finished`];
  }
  try {
    return recoverInterruptedWrite(outDir, lock);
  } finally {
    lock.release();
  }
}

/**
 * Replace out/ by `replacement` (a complete folder beside it, whose identity is `replacementId`): journal, then
 * out/ -> old, then replacement -> out/; the old tree is deleted afterwards. If the second rename fails, the
 * first is undone. Only with the lock held.
 */
function swapIn(outDir: string, replacement: string, replacementId: string, lock: WriteLock): void {
  const s = siblings(outDir);
  if (!lock.held()) throw new WriteRefused(`lost the lock ${shownPath(lock.path)} (deleted by someone else?); ${shownPath(outDir)}/ was not changed`);
  const outId = identity(outDir);
  if (outId) {
    const journal: Journal = { pid: process.pid, stage: basename(replacement), old: basename(s.old), stageId: replacementId, outId };
    fault('write', s.journal);
    writeFileSync(s.journal, JSON.stringify(journal) + '\n');
    try {
      fault('rename', outDir);
      renameSync(outDir, s.old);
    } catch (e) {
      rmSync(s.journal, { force: true });
      throw e;
    }
  }
  failpoint('between-renames');
  try {
    fault('rename', replacement);
    renameSync(replacement, outDir);
  } catch (e) {
    if (outId) renameSync(s.old, outDir);
    rmSync(s.journal, { force: true });
    throw e;
  }
  failpoint('swapped');
  if (outId) {
    rmSync(s.old, { recursive: true, force: true });
    rmSync(s.journal, { force: true });
  }
}

/**
 * For `pr`: a copy of out/ beside it (hard links: writes never change a file in place), so that out/ can be put
 * back exactly as it was when a later step fails. Only with the lock held; undefined when there is no out/.
 */
export function backupTree(outDir: string, lock: WriteLock): { restore: () => void; remove: () => void } | undefined {
  if (!existsSync(outDir)) return undefined;
  if (!lock.held()) throw new WriteRefused(`lost the lock ${shownPath(lock.path)}`);
  refuseUnusableOut(outDir);
  const s = siblings(outDir);
  fault('mkdir', s.backup);
  mkdirSync(s.backup);
  try {
    copyTree(outDir, s.backup, () => true);
  } catch (e) {
    rmSync(s.backup, { recursive: true, force: true });
    throw e;
  }
  const id = identity(s.backup)!;
  return {
    restore: () => swapIn(outDir, s.backup, id, lock),
    remove: () => rmSync(s.backup, { recursive: true, force: true }),
  };
}

/** The output folder must be a real folder (or absent): never a symlink or a file. */
export function refuseUnusableOut(outDir: string): void {
  let st;
  try {
    st = lstatSync(outDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const shown = shownPath(outDir);
  if (st.isSymbolicLink()) {
    throw new WriteRefused(`${shown} is a symlink (to ${readlinkSync(outDir)}); tracestack replaces the output folder as a whole and does not write through links: use --out with the real folder, or replace the link by a folder`);
  }
  if (!st.isDirectory()) throw new WriteRefused(`${shown} is a file, not a folder; move it away or choose another --out`);
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
export async function writeTree(outDir: string, tree: FileTree, rendered: string[], full: boolean, force = false, lock?: WriteLock): Promise<WriteResult> {
  const w = new StagedWrite(outDir, { force, lock });
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
  private readonly lock: WriteLock;
  private readonly ownLock: boolean;
  readonly notes: string[];
  private readonly existed: boolean;
  private readonly ledger: Ledger | undefined;
  private readonly owned: Set<string>;
  private readonly seenDirs = new Map<string, 'dir' | 'missing'>();
  private readonly changed = new Set<string>();
  /** Changed files that exist in out/ now (as opposed to new ones). */
  private readonly differs = new Set<string>();
  private readonly seen = new Set<string>();
  private readonly unowned: string[] = [];
  private readonly writer: StageWriter;
  private stageId: string | undefined;
  private ledgerContent: string | undefined;

  constructor(
    readonly outDir: string,
    private readonly options: { force?: boolean; background?: boolean; lock?: WriteLock } = {},
  ) {
    this.s = siblings(outDir);
    fault('mkdir', this.s.parent);
    mkdirSync(this.s.parent, { recursive: true });
    this.ownLock = !options.lock;
    this.lock = options.lock ?? WriteLock.acquire(outDir);
    try {
      this.notes = recoverInterruptedWrite(outDir, this.lock);
      refuseUnusableOut(outDir);
      this.existed = existsSync(outDir);
      this.ledger = this.existed ? readLedger(outDir) : undefined;
      this.owned = new Set(this.ledger?.files ?? []);
      fault('mkdir', this.s.stage);
      mkdirSync(this.s.stage);
      this.stageId = identity(this.s.stage);
      this.writer = options.background ? new BackgroundWriter(this.s.stage) : new InlineWriter(this.s.stage);
    } catch (e) {
      rmSync(this.s.stage, { recursive: true, force: true });
      if (this.ownLock) this.lock.release();
      throw e;
    }
  }

  /** Compare files with disk and stage the ones that are new or changed. Throws WriteRefused for a symlink. */
  /** `sameAsDisk`: files just read from disk and found as recorded (src/fleet/incremental.ts): not read again. */
  add(files: Iterable<[string, string]>, sameAsDisk = false): void {
    for (const [file, content] of files) {
      if (this.seen.has(file)) throw new Error(`internal: ${file} staged twice`);
      this.seen.add(file);
      refuseUnusablePath(this.outDir, file, this.seenDirs);
      let old: string | undefined;
      if (this.existed) {
        const p = join(this.outDir, file);
        try {
          fault('read', p);
          old = sameAsDisk && file !== LEDGER_PATH ? content : readFileSync(p, 'utf8');
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw withPath(e, p);
        }
        if (old !== undefined) {
          if (!this.owned.has(file) && file !== LEDGER_PATH) this.unowned.push(file);
          if (old === content && file !== LEDGER_PATH) continue;
        }
      }
      if (file === LEDGER_PATH) {
        // the ledger is written into the stage last, by finish(): its presence marks the stage complete
        this.ledgerContent = content;
        if (old === content) continue;
      } else if (old !== undefined) this.differs.add(file);
      this.changed.add(file);
      if (file !== LEDGER_PATH) this.writer.write(file, content);
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
    if (!full) this.refuseSharedChanges(rendered);
    const stale = new Set(staleFiles(this.outDir, this.ledger, planned, rendered, full));
    const changed = this.changed;
    if (this.existed && !stale.size && !changed.size) {
      return { written: [], pruned: [], kept: foreignFiles(this.outDir, planned, this.owned), notes: this.notes };
    }
    await this.writer.done();
    // The old tree minus stale and changed files, by hard link (cheap, and the old tree stays intact).
    if (this.existed) copyTree(this.outDir, this.s.stage, (rel) => rel !== LEDGER_PATH && !stale.has(rel) && !changed.has(rel));
    for (const f of stale) removeEmptyDirs(dirname(join(this.s.stage, f)), this.s.stage);
    // the completeness marker: the ledger, written last
    const ledgerFile = join(this.s.stage, LEDGER_PATH);
    mkdirSync(dirname(ledgerFile), { recursive: true });
    fault('write', ledgerFile);
    writeFileSync(ledgerFile, this.ledgerContent!);
    failpoint('staged');
    // Swap only a complete stage that is still the one this run built, while this run still holds the lock.
    if (!this.lock.held()) throw new WriteRefused(`lost the lock ${shownPath(this.lock.path)} (deleted by someone else?); ${shownPath(this.outDir)}/ was not changed`);
    if (identity(this.s.stage) !== this.stageId || readProc(ledgerFile) !== this.ledgerContent) {
      throw new WriteRefused(`the staging folder ${shownPath(this.s.stage)} was changed by someone else while it was built; ${shownPath(this.outDir)}/ was not changed`);
    }
    swapIn(this.outDir, this.s.stage, this.stageId!, this.lock);
    return {
      written: [...changed].filter((f) => f !== LEDGER_PATH).sort(),
      pruned: [...stale].sort(),
      kept: foreignFiles(this.outDir, planned, this.owned),
      notes: this.notes,
    };
  }

  /**
   * `--env` renders some environments, but the shared output (bases, fleet) comes from all of them and from
   * _defaults.yaml: a run limited to some environments must not change what the others build on.
   */
  private refuseSharedChanges(rendered: string[]) {
    // the fleet fingerprints (src/fleet/incremental.ts) record the environments --env rendered: not shared output
    const shared = [...this.differs].filter((f) => !inScope(f, rendered, false) && f !== FLEET_PATH).sort();
    if (!shared.length) return;
    const envs = new Set((this.ledger?.files ?? []).map((f) => /^([^/]+)\/helmfile\.yaml$/.exec(f)?.[1]).filter((e): e is string => !!e && !rendered.includes(e)));
    const out = shownPath(this.outDir);
    const listed = shared.slice(0, 10).map((f) => `${out}/${f}`);
    if (shared.length > 10) listed.push(`... and ${shared.length - 10} more`);
    throw new WriteRefused(
      `--env ${rendered.join(' ')} would change shared output that other environments build on:\n  ${listed.join('\n  ')}\n` +
        `The change (in environments/_defaults.yaml or another environment's file) reaches ${envs.size ? [...envs].sort().join(', ') : 'the other environments'} too. ` +
        `Nothing was written; run \`tracestack generate\` without --env to render every environment it reaches.`,
    );
  }

  /** Always call: stops the writer, removes the staging folder (after a swap it is gone already), frees the lock. */
  async close(): Promise<void> {
    try {
      await this.writer.done().catch(() => undefined);
      if (this.lock.held()) rmSync(this.s.stage, { recursive: true, force: true });
    } finally {
      if (this.ownLock) this.lock.release();
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
    const target = join(this.stage, file);
    try {
      const dir = dirname(target);
      if (!this.made.has(dir)) {
        mkdirSync(dir, { recursive: true });
        this.made.add(dir);
      }
      fault('write', target);
      writeFileSync(target, content);
    } catch (e) {
      this.error = withPath(e, target);
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
    this.worker ??= new Worker(WRITER_SOURCE, { eval: true, workerData: { stage: this.stage, fault: faultSpec } });
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
      worker.once('message', (m: { error?: { message: string; code?: string; path?: string } }) => {
        void worker.terminate();
        if (m.error) reject(errorFrom(m.error));
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
const fault = workerData.fault;
let error;
parentPort.on('message', (m) => {
  if (m === 'end') return parentPort.postMessage({ error });
  if (error) return;
  let target;
  try {
    for (const [file, content] of m) {
      target = join(workerData.stage, file);
      const dir = dirname(target);
      if (!made.has(dir)) { mkdirSync(dir, { recursive: true }); made.add(dir); }
      if (fault && fault.op === 'write' && target.includes(fault.part)) throw Object.assign(new Error(fault.code + ': injected'), { code: fault.code, path: target });
      writeFileSync(target, content);
    }
  } catch (e) { error = { message: String(e && e.message || e), code: e && e.code, path: (e && e.path) || target }; }
});
`;

/**
 * Refuse when any existing component of the path inside the output folder is a symlink, when a folder on the path
 * is a file, or when the file itself is a folder. `seen` remembers the folders already looked at in this run
 * ('dir' exists and is no link, 'missing' does not exist), so a tree of thousands of files costs one lstat per
 * folder.
 */
function refuseUnusablePath(outDir: string, file: string, seen: Map<string, 'dir' | 'missing'>) {
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
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      if (!last) seen.set(p, 'missing');
      return;
    }
    if (st.isSymbolicLink()) throw new WriteRefused(`refusing to write ${file}: ${relative(dirname(outDir), p)} is a symlink (tracestack does not write through links)`);
    if (last && st.isDirectory()) throw new WriteRefused(`refusing to write ${file}: ${shownPath(p)} is a folder where tracestack writes a file; move it away and run again`);
    if (!last && !st.isDirectory()) throw new WriteRefused(`refusing to write ${file}: ${shownPath(p)} is a file where tracestack needs a folder; move it away and run again`);
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
