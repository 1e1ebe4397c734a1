// The paths of a write beside the output folder, and two small file-system helpers shared by the lock, recovery
// and staging.
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Sibling paths of the output folder used by a write: same filesystem, so renames are atomic. */
export function siblings(outDir: string) {
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

/** A file's content, or undefined when it cannot be read (gone, or not there at all). */
export function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The identity (device and inode) of a path, without following a link; undefined when it does not exist. */
export const identity = (p: string): string | undefined => {
  try {
    const st = lstatSync(p, { bigint: true });
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
};
