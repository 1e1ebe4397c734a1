// The writer of the output folder, by job: ledger.ts (which files tracestack wrote), compare.ts (what a write would
// change), lock.ts (one writer at a time), recovery.ts (finishing or undoing a killed write, swapping folders),
// stage.ts (building the new tree beside the old one), guards.ts (what is never written through), tree.ts,
// paths.ts, and files.ts: the one compare and the one write of a file, shared with the worker threads
// (compare-worker.ts, write-worker.ts). This module re-exports what the rest of tracestack uses.
export { WriteRefused } from './errors.js';
export { inScope, ledgerText, readLedger, staleFiles, withLedger, type Ledger } from './ledger.js';
export { BackgroundCompare, compareWithDisk, type Change } from './compare.js';
export { WriteLock, type LockInfo } from './lock.js';
export { backupTree, interruptedState, recoverIfIdle, recoverInterruptedWrite } from './recovery.js';
export { refuseUnusableOut } from './guards.js';
export { StagedWrite, writeTree, type WriteResult } from './stage.js';
