import { relative, sep } from 'node:path';

/** A write tracestack refuses, or could not do, for a reason the user can act on: exit 1, message only. */
export class WriteRefused extends Error {}

/** How a path is shown in messages: relative to the working directory when that is shorter. */
export function shownPath(p: string): string {
  const rel = relative(process.cwd(), p);
  return (rel && !rel.startsWith('..') && rel.length < p.length ? rel : p).split(sep).join('/');
}

const FS_MESSAGES: Record<string, (path: string) => string> = {
  ENOSPC: (p) => `no space left on the device holding ${p}; free some space and run again`,
  EDQUOT: (p) => `disk quota exceeded while writing ${p}; free some space and run again`,
  EROFS: (p) => `${p} is on a read-only file system`,
  EACCES: (p) => `permission denied: ${p}`,
  EPERM: (p) => `operation not permitted: ${p}`,
  EISDIR: (p) => `${p} is a folder where a file is expected`,
  ENOTDIR: (p) => `${p}: part of this path is a file where a folder is expected`,
  EFBIG: (p) => `${p} is too large (file size limit)`,
  ERR_FS_FILE_TOO_LARGE: (p) => `${p} is too large to read`,
  ENAMETOOLONG: (p) => `${p}: the name is too long for the file system`,
  ELOOP: (p) => `${p}: too many levels of symbolic links`,
  EMFILE: (p) => `too many open files (at ${p}); raise the limit (ulimit -n) and run again`,
  ENFILE: (p) => `too many open files in the system (at ${p})`,
  EIO: (p) => `input/output error at ${p} (a failing disk or network file system)`,
  EBUSY: (p) => `${p} is busy (in use by another program, or a mount point)`,
  EXDEV: (p) => `${p} is on another file system than the output folder`,
  ENOENT: (p) => `${p} does not exist (removed while tracestack was running?)`,
  EEXIST: (p) => `${p} already exists (created while tracestack was running?)`,
  ENOTEMPTY: (p) => `${p} is not empty (changed while tracestack was running?)`,
};

/**
 * The one place where a Node fs error (or one reported by a writer thread) becomes a message for the user: what
 * happened, and the path involved. Undefined for anything that is not a file-system error (a bug).
 */
export function describeFsError(e: unknown): string | undefined {
  if (!e || typeof e !== 'object') return undefined;
  const { code, path, dest } = e as { code?: unknown; path?: unknown; dest?: unknown };
  if (typeof code !== 'string' || !(code in FS_MESSAGES)) return undefined;
  const where = typeof path === 'string' ? shownPath(path) + (typeof dest === 'string' ? ` -> ${shownPath(dest)}` : '') : '(unknown path)';
  return FS_MESSAGES[code](where);
}

/** The error, with the path it concerns when Node left it out (errors of read() and write() on an open file). */
export function withPath<T>(e: T, path: string): T {
  if (e && typeof e === 'object' && (e as { path?: unknown }).path === undefined) Object.assign(e, { path });
  return e;
}

/** What a worker thread posts for a file-system error: its message, code and path (an Error does not cross threads). */
export interface ErrorData {
  message: string;
  code?: string;
  path?: string;
  dest?: string;
}

/** The error of a worker thread, as ErrorData, with `path` when Node left it out (the inverse of errorFrom). */
export function errorData(e: unknown, path: string): ErrorData {
  const { message, code, path: p, dest } = (e && typeof e === 'object' ? e : {}) as { message?: unknown; code?: unknown; path?: unknown; dest?: unknown };
  return {
    message: String(message ?? e),
    ...(typeof code === 'string' ? { code } : {}),
    path: typeof p === 'string' ? p : path,
    ...(typeof dest === 'string' ? { dest } : {}),
  };
}

/** A file-system error from a writer thread, rebuilt with its code and path so describeFsError can explain it. */
export function errorFrom(data: ErrorData): Error {
  return Object.assign(new Error(data.message), data.code ? { code: data.code } : {}, data.path ? { path: data.path } : {}, data.dest ? { dest: data.dest } : {});
}

/**
 * Fault injection for the tests. TRACESTACK_FAILPOINT=<name> kills the process at that point of a write (SIGKILL,
 * like a power cut); TRACESTACK_FAILPOINT=fs:<op>:<CODE>[:<path part>] makes that file-system operation fail with
 * that error code (ENOSPC, EROFS, EACCES, EISDIR, ...) the first time its path contains <path part>, exactly as
 * the real call would, so every error path is tested deterministically. Read once at start-up: no cost per file.
 */
const FAILPOINT = process.env.TRACESTACK_FAILPOINT ?? '';

/** An injected file-system fault: operation, error code, and a part of the path it applies to. */
export interface FaultSpec {
  op: string;
  code: string;
  part: string;
}

/** The fault TRACESTACK_FAILPOINT injects, read once here; worker threads receive it in their workerData. */
export const faultSpec: FaultSpec | undefined = FAILPOINT.startsWith('fs:') ? (([op, code, part]) => ({ op, code, part: part ?? '' }))(FAILPOINT.slice(3).split(':')) : undefined;

export function failpoint(name: string): void {
  if (FAILPOINT === name) process.kill(process.pid, 'SIGKILL');
}

/** Throw the injected error when `spec` names this operation and path: the same on the main thread and in workers. */
export function injectFault(spec: FaultSpec | undefined, op: string, path: string): void {
  if (spec && spec.op === op && path.includes(spec.part)) {
    throw Object.assign(new Error(`${spec.code}: injected failure, ${op} '${path}'`), { code: spec.code, path, syscall: op });
  }
}

/** injectFault with this process's TRACESTACK_FAILPOINT. */
export function fault(op: string, path: string): void {
  injectFault(faultSpec, op, path);
}
