import { rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { fault, shownPath, WriteRefused } from './errors.js';
import { readProc, siblings } from './paths.js';

// ---------------------------------------------------------------------------------------------------------------
// The writer lock. One file beside out/, created with O_EXCL, holding who took it: pid, the process's start time
// (from /proc), the boot id and the host name. A lock whose process is gone, or whose pid now belongs to another
// process (start time differs), or that was taken before the last reboot, is stale and is taken over. A lock
// from another host is never taken over (it cannot be checked from here).

export interface LockInfo {
  pid: number;
  start?: string;
  boot?: string;
  host?: string;
}

/** A process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), where /proc exists. */
function processStart(pid: number): string | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

const BOOT_ID = readProc('/proc/sys/kernel/random/boot_id')?.trim();

/** Whether a file was modified in the last second (false when it is gone). */
function young(path: string): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs < 1_000;
  } catch {
    return false;
  }
}

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
      // writeFileSync(wx) creates the file, then writes it: a lock read in between is empty. That is its holder
      // at work, not a stale lock; judging it stale would delete a lock that is being taken (and that run would
      // then find its lock gone). An empty lock is stale once it is a second old (one left by a run killed in that
      // moment): the 50 attempts of 25 ms outlast that second.
      if (seen === '' && young(s.lock)) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
        continue;
      }
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
