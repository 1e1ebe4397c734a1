import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { runCommonJs, writeAtomically } from '../startup.js';

// the cached validators' require()s (ajv's runtime helpers) resolve from this package, wherever the cache folder is
const require = createRequire(import.meta.url);

/**
 * A strict CRD validator for one schema file: loaded from <cacheDir>/<hash>.cjs (ajv standalone code) when that is
 * there, else compiled and written there (compiling the big CRD schemas costs 0.2-0.7 s each; loading the cached
 * code costs milliseconds). Formats are not checked at run time (the tests check them).
 */
export function compileCached(schemaFile: string, hash: string, cacheDir: string): ValidateFunction {
  const cached = join(cacheDir, `${hash}.cjs`);
  if (existsSync(cached)) {
    try {
      return loadCompiled(cached);
    } catch {
      /* a broken cache entry is recompiled below */
    }
  }
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { source: true } });
  const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')));
  try {
    writeAtomically(cached, standaloneCode.default(ajv, validate));
  } catch {
    /* no writable cache: compile each run */
  }
  return validate;
}

/**
 * Load a cached standalone validator with a V8 code cache beside it (the ApplicationSet validator is 8 MB of code:
 * compiling it cost ~0.4 s at every run that had an ApplicationSet to check).
 */
function loadCompiled(file: string): ValidateFunction {
  const codeCache = file.replace(/\.cjs$/, `-${process.version}-${process.arch}.v8cache`);
  return runCommonJs(file, readFileSync(file, 'utf8'), { cacheFile: codeCache, require }) as ValidateFunction;
}
