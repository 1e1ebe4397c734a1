import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describeFsError, failpoint, fault, shownPath, WriteRefused } from './errors.js';
import { refuseUnusableOut } from './guards.js';
import { type LockInfo, WriteLock } from './lock.js';
import { identity, readProc, siblings } from './paths.js';
import { copyTree } from './tree.js';

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
export function swapIn(outDir: string, replacement: string, replacementId: string, lock: WriteLock): void {
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
