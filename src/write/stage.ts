// The write itself: the new output folder is built beside the old one (stage), then swapped in (recovery.ts).
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { FileTree } from '../plan/plan.js';
import { LEDGER_PATH } from '../plan/plan.js';
import { FLEET_PATH } from '../fleet/incremental.js';
import { errorFrom, failpoint, fault, faultSpec, shownPath, WriteRefused } from './errors.js';
import { compareFile, FileWriter, type FileState } from './files.js';
import { refuseUnusableOut, refuseUnusablePath } from './guards.js';
import { inScope, readLedger, staleFiles, withLedger, type Ledger } from './ledger.js';
import { WriteLock } from './lock.js';
import { identity, readProc, siblings } from './paths.js';
import { recoverInterruptedWrite, swapIn } from './recovery.js';
import { copyTree, foreignFiles, removeEmptyDirs } from './tree.js';
import { startWorker, type Batch, type WriterResult } from './workers.js';

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

  /**
   * Compare files with disk and stage the ones that are new or changed. Throws WriteRefused for a symlink.
   * `sameAsDisk`: files just read from disk and found as recorded (src/fleet/incremental.ts): not read again.
   */
  add(files: Iterable<[string, string]>, sameAsDisk = false): void {
    for (const [file, content] of files) {
      if (this.seen.has(file)) throw new Error(`internal: ${file} staged twice`);
      this.seen.add(file);
      refuseUnusablePath(this.outDir, file, this.seenDirs);
      // how the file stands in out/ now (missing when there is no out/)
      const state: FileState = !this.existed ? 'missing' : sameAsDisk && file !== LEDGER_PATH ? 'same' : compareFile(this.outDir, file, content, faultSpec);
      if (state !== 'missing' && !this.owned.has(file) && file !== LEDGER_PATH) this.unowned.push(file);
      if (file === LEDGER_PATH) {
        // the ledger is written into the stage last, by finish(): its presence marks the stage complete
        this.ledgerContent = content;
        if (state === 'same') continue;
      } else if (state === 'same') continue;
      else if (state === 'different') this.differs.add(file);
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

/** Writes on the calling thread, by the FileWriter the worker thread uses too; keeps the first error for done(). */
class InlineWriter implements StageWriter {
  private readonly writer: FileWriter;
  private error: unknown;
  constructor(stage: string) {
    this.writer = new FileWriter(stage, faultSpec);
  }
  write(file: string, content: string): void {
    if (this.error) return;
    try {
      this.writer.write(file, content);
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
 * second core while this thread renders. The worker (write-worker.ts, a small bundle of its own) loads only files.ts.
 */
class BackgroundWriter implements StageWriter {
  private worker: Worker | undefined;
  private batch: Batch = [];
  private pending: Promise<void> | undefined;
  constructor(private readonly stage: string) {}
  write(file: string, content: string): void {
    // started at the first changed file: a run that changes nothing starts no thread
    this.worker ??= startWorker('write-worker', { stage: this.stage, fault: faultSpec });
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
      worker.once('message', (m: WriterResult) => {
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
