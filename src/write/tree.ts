// Whole-tree operations of a write: copying the old tree into the stage, the files tracestack did not write, and
// folders left empty by pruning.
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readlinkSync, rmdirSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { FileTree } from '../plan/plan.js';

/** Hard-link (or, across devices, copy) files; re-create symlinks as symlinks, never following them. */
export function copyTree(from: string, to: string, include: (rel: string) => boolean, rel = '') {
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

export function foreignFiles(outDir: string, planned: FileTree, owned: Set<string>): string[] {
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

export function removeEmptyDirs(dir: string, root: string) {
  while (dir !== root && relative(root, dir) && !relative(root, dir).startsWith('..')) {
    if (!existsSync(dir) || readdirSync(dir).length) return;
    rmdirSync(dir);
    dir = dirname(dir);
  }
}
