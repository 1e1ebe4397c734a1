// What tracestack refuses to write through: an output folder that is a link or a file, and a path in it that
// crosses a link, or meets a file where a folder is needed (or the reverse).
import { lstatSync, readlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { shownPath, WriteRefused } from './errors.js';

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

/**
 * Refuse when any existing component of the path inside the output folder is a symlink, when a folder on the path
 * is a file, or when the file itself is a folder. `seen` remembers the folders already looked at in this run
 * ('dir' exists and is no link, 'missing' does not exist), so a tree of thousands of files costs one lstat per
 * folder.
 */
export function refuseUnusablePath(outDir: string, file: string, seen: Map<string, 'dir' | 'missing'>) {
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
