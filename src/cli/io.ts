import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { describeFsError, withPath } from '../write/errors.js';
import { MAX_INPUT_BYTES } from '../load/decode.js';
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
  const at = (file: string) => ({ file, line: 1, column: 1, path: '', severity: 'error' as const });
  const read = (p: string): InputFile | undefined => {
    const shown = display(p);
    if (!existsSync(p)) {
      problems.push({ ...at(shown), code: 'not-found', message: 'no such file' });
      return undefined;
    }
    let bytes: Buffer;
    let size: number;
    try {
      // a file over the limit is refused by its size, without reading all of it
      size = statSync(p).size;
      bytes = size > MAX_INPUT_BYTES ? readPrefix(p) : readFileSync(p);
    } catch (e) {
      problems.push({ ...at(shown), code: 'unreadable', message: describeFsError(withPath(e, p)) ?? `cannot read the file: ${(e as Error).message}` });
      return undefined;
    }
    const r = decodeInput(shown, bytes, size);
    problems.push(...r.diagnostics);
    return r.file;
  };
  const inputs = {
    defaults: existsSync(defaultsPath) ? read(resolve(defaultsPath)) : undefined,
    environments: chosen.sort().map(read).filter((f): f is InputFile => f !== undefined),
    problems,
  };
  // Rendering nothing would prune every file in out/: a missing or empty environments/ is an error, not "0 written".
  if (!files.length && !chosen.length) {
    const shown = display(envDir) || 'environments';
    problems.push(
      existsSync(envDir)
        ? { ...at(`${shown}/`), code: 'no-environments', message: `no environment files (*.yaml) in ${shown}/; nothing was rendered and nothing pruned`, suggestion: 'Add an environment file (tracestack init writes a first one), or run from the repository root (-C DIR).' }
        : { ...at(`${shown}/`), code: 'no-environments', message: `${shown}/ does not exist; nothing was rendered and nothing pruned`, suggestion: 'Run from the root of the GitOps repository (or pass -C DIR), or create it with tracestack init.' },
    );
  }
  return inputs;
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

/** The first bytes of a file that is over the size limit: enough to refuse it, without reading gigabytes. */
function readPrefix(p: string): Buffer {
  const fd = openSync(p, 'r');
  try {
    const buf = Buffer.alloc(MAX_INPUT_BYTES + 1);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}
