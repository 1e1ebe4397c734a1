// `generate --check` and `diff`: what a write would create, change or delete, on this thread or (for a fleet) on
// a worker thread while the tree is rendered. Both compare each file by compareFile (files.ts).
import type { FileTree } from '../plan/plan.js';
import { LEDGER_PATH } from '../plan/plan.js';
import { errorFrom, faultSpec } from './errors.js';
import { compareFile } from './files.js';
import { readLedger, staleFiles, withLedger } from './ledger.js';
import { startWorker, type Batch, type CompareResult } from './workers.js';
import type { Worker } from 'node:worker_threads';

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
    const state = compareFile(outDir, file, content, faultSpec);
    if (state === 'missing') {
      changes.push({ file, kind: 'missing' });
      continue;
    }
    if (!owned.has(file) && file !== LEDGER_PATH) unowned.push(file);
    if (state === 'different') changes.push({ file, kind: 'different' });
  }
  for (const file of staleFiles(outDir, ledger, planned, rendered, full)) changes.push({ file, kind: 'stale' });
  return { changes, unowned };
}

/**
 * compareWithDisk fed in parts while the tree is rendered: a worker thread (compare-worker.ts) compares each
 * part's files meanwhile (for `generate --check` on a fleet, where reading thousands of files would otherwise come
 * after the rendering). The result is the same list, in the same order, as compareWithDisk's.
 */
export class BackgroundCompare {
  private worker: Worker | undefined;
  private readonly seen = new Set<string>();
  private batch: Batch = [];
  constructor(readonly outDir: string) {}

  /** `sameAsDisk`: files just read from disk and found as recorded (src/fleet/incremental.ts): not read again. */
  add(files: Iterable<[string, string]>, sameAsDisk = false): void {
    this.worker ??= startWorker('compare-worker', { outDir: this.outDir, fault: faultSpec });
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
      worker.once('message', (m: CompareResult) => (m.error ? reject(errorFrom(m.error)) : resolve(m.changes)));
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
