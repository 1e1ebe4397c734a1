import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The tracestack package folder (holding schemas/, templates/, package.json), found by walking up from this
 * module: works from src/ (tests), dist/ (tsc output) and the single-file bundle dist/tracestack.cjs alike.
 */
export function packageRoot(): string {
  if (root) return root;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'tracestack') return (root = dir);
    if (dirname(dir) === dir) throw new Error('internal: cannot find the tracestack package folder');
  }
}

export const packagePath = (...parts: string[]) => join(packageRoot(), ...parts);
