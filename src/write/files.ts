// The two file operations of a write, each in one place: comparing a planned file with the one on disk, and
// writing a file into the staging folder. The main thread and the worker threads (compare-worker.ts,
// write-worker.ts) call these same functions, with the same injected fault, so the two paths cannot drift.
// Only node:fs, node:path and errors.ts here: a worker loads this and nothing else.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { injectFault, withPath, type FaultSpec } from './errors.js';

/** How a planned file stands against disk: not there, there with other content, or the same. */
export type FileState = 'missing' | 'different' | 'same';

/**
 * Compare `content` with the file `file` under `dir`. Missing: no such file (ENOENT), or a folder on its path is
 * a file (ENOTDIR). Any other error is thrown, with the path.
 */
export function compareFile(dir: string, file: string, content: string, fault: FaultSpec | undefined): FileState {
  const p = join(dir, file);
  let old: string;
  try {
    injectFault(fault, 'read', p);
    old = readFileSync(p, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    throw withPath(e, p);
  }
  return old === content ? 'same' : 'different';
}

/** Writes files into one folder (the staging folder), making each folder on the way once. */
export class FileWriter {
  private readonly made = new Set<string>();
  constructor(
    readonly dir: string,
    private readonly fault: FaultSpec | undefined,
  ) {}

  /** Write `content` to `file` under the folder; a failure is thrown with the path. */
  write(file: string, content: string): void {
    const target = join(this.dir, file);
    try {
      const parent = dirname(target);
      if (!this.made.has(parent)) {
        mkdirSync(parent, { recursive: true });
        this.made.add(parent);
      }
      injectFault(this.fault, 'write', target);
      writeFileSync(target, content);
    } catch (e) {
      throw withPath(e, target);
    }
  }
}
