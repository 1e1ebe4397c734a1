/**
 * Start-up helpers, in one place: running CommonJS code through a V8 code cache (the CLI bundle, from
 * bin/tracestack.cjs, and the compiled upstream CRD validators), and the size-capped memo the hot paths use.
 * Public Node.js APIs only: `vm.Script` (cachedData, createCachedData) and `module.createRequire`.
 *
 * This module is also built on its own as dist/startup.cjs (scripts/build.mjs), which bin/tracestack.cjs requires:
 * keep it free of imports other than node: built-ins, so that file stays a few KB.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** What Node.js itself wraps a CommonJS file in (the documented module wrapper, `module.wrap` in CommonJS). */
const WRAPPER = ['(function (exports, require, module, __filename, __dirname) { ', '\n});'] as const;

export interface CodeCacheOptions {
  /** The V8 code cache file; undefined: run uncached. */
  cacheFile?: string;
  /** How the code's `require` resolves (default: from the file's own folder). */
  require?: NodeJS.Require;
  /** Also remove, when writing the cache, other files in its folder matching this and older than a day. */
  prune?: RegExp;
}

/**
 * Run a CommonJS file's source (a shebang line is dropped) and return its module.exports. With a cache file, the
 * compiled code comes from it when V8 accepts it; otherwise the cache is written at exit, so it also holds the
 * functions this run compiled lazily. Without a writable cache folder the code simply runs uncached.
 */
export function runCommonJs(file: string, source: string, options: CodeCacheOptions = {}): unknown {
  const { cacheFile } = options;
  let cachedData: Buffer | undefined;
  if (cacheFile) {
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
  }
  const script = new Script(WRAPPER[0] + source.replace(/^#!.*/, '') + WRAPPER[1], { filename: file, cachedData });
  if (cacheFile && (!cachedData || script.cachedDataRejected)) {
    process.once('exit', () => {
      try {
        writeAtomically(cacheFile, script.createCachedData());
        if (options.prune) pruneOld(dirname(cacheFile), options.prune, basename(cacheFile));
      } catch {
        /* no writable cache: run uncached next time too */
      }
    });
  }
  const req = options.require ?? createRequire(file);
  const mod = { exports: {} as unknown, id: file, filename: file, path: dirname(file), loaded: false, require: req };
  (script.runInThisContext() as (...args: unknown[]) => void)(mod.exports, req, mod, file, dirname(file));
  mod.loaded = true;
  return mod.exports;
}

/** A short key for a code cache: the source, the Node.js version and the architecture (V8 caches are tied to both). */
export function codeCacheKey(source: string): string {
  return createHash('sha256').update(source).update(process.version).update(process.arch).digest('hex').slice(0, 16);
}

/** Write a file by renaming a temporary one over it (a reader never sees half of it). */
export function writeAtomically(file: string, data: string | Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

const DAY_MS = 86_400_000;

/** Remove files in dir matching pattern (other than keep) last written over a day ago: caches of earlier builds. */
function pruneOld(dir: string, pattern: RegExp, keep: string): void {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (f !== keep && pattern.test(f) && Date.now() - statSync(p).mtimeMs > DAY_MS) rmSync(p, { force: true });
  }
}

/**
 * A memo bounded in size: past `limit` entries it starts over (the hot paths memoize per distinct line, body or
 * value; a fleet repeats most of them, and starting over is cheaper than tracking recency). Any value, undefined
 * included, is remembered.
 */
export class CappedMemo<K, V> {
  private readonly map = new Map<K, V>();
  constructor(readonly limit: number) {}

  get size(): number {
    return this.map.size;
  }

  /** The remembered value for key, else compute() remembered. */
  get(key: K, compute: () => V): V {
    if (this.map.has(key)) return this.map.get(key) as V;
    const value = compute();
    if (this.map.size >= this.limit) this.map.clear();
    this.map.set(key, value);
    return value;
  }
}
