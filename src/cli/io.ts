import { existsSync, readFileSync } from 'node:fs';
import type { Diagnostic } from '../diagnostics.js';
import { decodeInput } from '../load/decode.js';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { packagePath } from '../package.js';
import fg from 'fast-glob';
import { DEFAULTS_FILE, type InputFile } from '../load/environments.js';
import type { Inputs } from '../pipeline.js';

/** How a path is shown in messages: relative to the working directory. */
const display = (p: string) => relative(process.cwd(), p).split(sep).join('/');

/** Read environments/_defaults.yaml and the environment files (all of environments/*.yaml by default). */
export function readInputs(root: string, files: string[] = []): Inputs {
  const envDir = join(root, 'environments');
  const defaultsPath = join(envDir, DEFAULTS_FILE);
  const chosen = files.length
    ? files.map((f) => (isAbsolute(f) ? f : resolve(f)))
    : fg.sync(['*.yaml', '*.yml'], { cwd: envDir, absolute: true, onlyFiles: true }).filter((f) => !f.split(/[\\/]/).pop()!.startsWith('_'));
  const problems: Diagnostic[] = [];
  const read = (p: string): InputFile | undefined => {
    const shown = display(p);
    if (!existsSync(p)) {
      problems.push({ file: shown, line: 1, column: 1, path: '', code: 'not-found', message: 'no such file', severity: 'error' });
      return undefined;
    }
    const r = decodeInput(shown, readFileSync(p));
    problems.push(...r.diagnostics);
    return r.file;
  };
  return {
    defaults: existsSync(defaultsPath) ? read(resolve(defaultsPath)) : undefined,
    environments: chosen.sort().map(read).filter((f): f is InputFile => f !== undefined),
    problems,
  };
}

/** The output folder on disk, and as a path from the repository root (what Argo CD Applications name). */
export function outPathFromRoot(root: string, out: string): { outDir: string; outPath: string } {
  const outDir = resolve(root, out);
  const outPath = relative(resolve(root), outDir).split(sep).join('/');
  if (!outPath || outPath.startsWith('..') || isAbsolute(outPath)) throw new Error(`--out must be a folder inside the repository (${root}); got ${out}`);
  return { outDir, outPath };
}

/** Compiled-schema cache: $TRACESTACK_CACHE, else node_modules/.cache/tracestack in the package. */
export function cacheDir(): string {
  if (process.env.TRACESTACK_CACHE) return resolve(process.env.TRACESTACK_CACHE);
  return packagePath('node_modules/.cache/tracestack');
}
