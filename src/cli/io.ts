import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import fg from 'fast-glob';
import { DEFAULTS_FILE, type InputFile } from '../load/environments.js';
import type { Inputs } from '../pipeline.js';

const display = (root: string, p: string) => {
  const rel = relative(process.cwd(), resolve(root, p));
  return rel.split(sep).join('/');
};

/** Read environments/_defaults.yaml and the environment files (all of environments/*.yaml by default). */
export function readInputs(root: string, files: string[] = []): Inputs {
  const envDir = join(root, 'environments');
  const defaultsPath = join(envDir, DEFAULTS_FILE);
  const chosen = files.length
    ? files.map((f) => (isAbsolute(f) ? f : resolve(f)))
    : fg.sync(['*.yaml', '*.yml'], { cwd: envDir, absolute: true, onlyFiles: true }).filter((f) => !f.split(/[\\/]/).pop()!.startsWith('_'));
  const read = (p: string): InputFile => ({ path: display(root, relative(resolve(root), p)), text: readFileSync(p, 'utf8') });
  return {
    defaults: existsSync(defaultsPath) ? read(resolve(defaultsPath)) : undefined,
    environments: chosen.sort().map(read),
  };
}

/** The output folder on disk, and as a path from the repository root (what Argo CD Applications name). */
export function outPathFromRoot(root: string, out: string): { outDir: string; outPath: string } {
  const outDir = resolve(root, out);
  const outPath = relative(resolve(root), outDir).split(sep).join('/');
  if (!outPath || outPath.startsWith('..') || isAbsolute(outPath)) throw new Error(`--out must be a folder inside the repository (${root}); got ${out}`);
  return { outDir, outPath };
}
