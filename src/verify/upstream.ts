import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire, wrap } from 'node:module';
import { Script } from 'node:vm';
import { dirname, join, posix, resolve } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import type { Diagnostic } from '../diagnostics.js';
import { isPlainObject } from '../load/merge.js';

const require = createRequire(import.meta.url);

export interface SchemaSource {
  dir?: string;
  /**
   * Where the location came from: --schemas, TRACESTACK_SCHEMAS, the repository's own folder written by
   * `tracestack schemas` (.tracestack/schemas), the default beside the repository, or none.
   */
  from: 'flag' | 'env' | 'repo' | 'default' | 'none';
}

/** Where `tracestack schemas` writes the strict CRD schemas, relative to the repository root (committed). */
export const REPO_SCHEMAS = '.tracestack/schemas';

/** How each schema source is named in messages. */
export const SCHEMA_SOURCE_TEXT: Record<SchemaSource['from'], string> = {
  flag: '--schemas',
  env: '$TRACESTACK_SCHEMAS',
  repo: `written by \`tracestack schemas\` into ${REPO_SCHEMAS}`,
  default: 'default: ../shared/upstream beside the repository',
  none: '',
};

/**
 * Upstream schema folder: --schemas DIR, else $TRACESTACK_SCHEMAS, else the repository's .tracestack/schemas
 * (`tracestack schemas`), else ../shared/upstream beside the repo root.
 */
export function locateSchemas(root: string, flag?: string): SchemaSource {
  if (flag) return { dir: resolve(flag), from: 'flag' };
  if (process.env.TRACESTACK_SCHEMAS) return { dir: resolve(process.env.TRACESTACK_SCHEMAS), from: 'env' };
  const own = resolve(root, REPO_SCHEMAS);
  if (existsSync(join(own, 'crd-schemas/index.json'))) return { dir: own, from: 'repo' };
  const fallback = resolve(root, '../shared/upstream');
  return existsSync(join(fallback, 'crd-schemas/index.json')) ? { dir: fallback, from: 'default' } : { from: 'none' };
}

interface IndexEntry {
  file: string;
  apiVersion: string;
  kind: string;
}

/**
 * Strict CRD validators, compiled once per schema file and cached as ajv standalone code (compiling the big
 * CRD schemas costs 0.2-0.7 s each; loading the cached code costs milliseconds). The cache key is the schema's
 * hash, so a changed schema is recompiled. Formats are not checked at run time (the tests check them).
 */
export class UpstreamValidators {
  private index = new Map<string, string>();
  private loaded = new Map<string, ValidateFunction>();
  private fileHashes = new Map<string, string>();
  /** Hashes of (schema, object) pairs that passed: an unchanged object is not validated again. */
  private verified: VerifiedHashes | undefined;
  private verifiedNew = new Set<string>();
  /** The hashes this run looked up and found (kept when the file is trimmed). */
  private verifiedUsed = new Set<string>();
  /** apiVersion/kind -> objects checked against a schema, this run. */
  readonly checkedKinds = new Map<string, number>();
  /** apiVersion/kind -> objects that had no schema to be checked against, this run. */
  readonly uncheckedKinds = new Map<string, number>();

  /** `dir` undefined: no schemas at all (every object is counted as not checked). */
  constructor(
    readonly dir: string | undefined,
    readonly cacheDir: string,
  ) {
    if (dir === undefined) return;
    const entries = JSON.parse(readFileSync(join(dir, 'crd-schemas/index.json'), 'utf8')) as IndexEntry[];
    for (const e of entries) this.index.set(`${e.apiVersion}/${e.kind}`, join(dir, 'crd-schemas/strict', e.file));
  }

  kinds(): string[] {
    return [...this.index.keys()].sort();
  }

  private schemaHash(file: string): string {
    let h = this.fileHashes.get(file);
    if (!h) {
      h = createHash('sha256').update(readFileSync(file)).update('ajv8-strict-v1').digest('hex').slice(0, 24);
      this.fileHashes.set(file, h);
    }
    return h;
  }

  /** Validate one object; returns ajv errors, or [] when valid (remembered across runs by content hash). */
  check(object: Record<string, unknown>): ErrorObject[] | undefined {
    const key = `${object.apiVersion}/${object.kind}`;
    const file = this.index.get(key);
    const tally = file ? this.checkedKinds : this.uncheckedKinds;
    tally.set(key, (tally.get(key) ?? 0) + 1);
    if (!file) return undefined;
    const id = createHash('sha256').update(this.schemaHash(file)).update(JSON.stringify(object)).digest('hex').slice(0, 32);
    this.verified ??= this.readVerified();
    if (this.verified.has(id)) {
      this.verifiedUsed.add(id);
      return [];
    }
    const v = this.get(String(object.apiVersion), String(object.kind))!;
    if (v(object) as boolean) {
      this.verifiedNew.add(id);
      return [];
    }
    return v.errors ?? [];
  }

  private readVerified(): VerifiedHashes {
    try {
      return new VerifiedHashes(readFileSync(join(this.cacheDir, 'verified.txt')));
    } catch {
      return new VerifiedHashes(Buffer.alloc(0));
    }
  }

  /**
   * Persist newly verified hashes. The file is bounded: past 20,000 hashes it keeps only what this run used
   * (found or added), the working set of the latest run.
   */
  save(): void {
    if (!this.verifiedNew.size) return;
    try {
      mkdirSync(this.cacheDir, { recursive: true });
      const known = this.readVerified().all();
      let all = new Set([...known, ...this.verifiedNew]);
      if (all.size > 20_000) all = new Set([...this.verifiedUsed, ...this.verifiedNew]);
      const tmp = join(this.cacheDir, `verified.txt.${process.pid}.tmp`);
      writeFileSync(tmp, [...all].sort().join('\n') + '\n');
      renameSync(tmp, join(this.cacheDir, 'verified.txt'));
    } catch {
      /* no writable cache */
    }
  }

  get(apiVersion: string, kind: string): ValidateFunction | undefined {
    const key = `${apiVersion}/${kind}`;
    const file = this.index.get(key);
    if (!file) return undefined;
    let v = this.loaded.get(key);
    if (!v) {
      v = this.compile(file);
      this.loaded.set(key, v);
    }
    return v;
  }

  private compile(file: string): ValidateFunction {
    const text = readFileSync(file, 'utf8');
    const hash = this.schemaHash(file);
    const cached = join(this.cacheDir, `${hash}.cjs`);
    if (existsSync(cached)) {
      try {
        return loadCompiled(cached);
      } catch {
        /* a broken cache entry is recompiled below */
      }
    }
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { source: true } });
    const validate = ajv.compile(JSON.parse(text));
    try {
      mkdirSync(this.cacheDir, { recursive: true });
      const tmp = `${cached}.${process.pid}.tmp`;
      writeFileSync(tmp, standaloneCode.default(ajv, validate));
      renameSync(tmp, cached);
    } catch {
      /* no writable cache: compile each run */
    }
    return validate;
  }
}

/**
 * Load a cached standalone validator with a V8 code cache beside it (the ApplicationSet validator is 8 MB of code:
 * compiling it cost ~0.4 s at every run that had an ApplicationSet to check). Its `require`s (ajv's runtime
 * helpers) resolve from this package, so the cache folder may be anywhere ($TRACESTACK_CACHE).
 */
function loadCompiled(file: string): ValidateFunction {
  const source = readFileSync(file, 'utf8');
  const codeCache = file.replace(/\.cjs$/, `-${process.version}-${process.arch}.v8cache`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(codeCache);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(wrap(source), { filename: file, cachedData });
  const mod = { exports: {} as unknown };
  (script.runInThisContext() as (...args: unknown[]) => void)(mod.exports, require, mod, file, dirname(file));
  if (!cachedData || script.cachedDataRejected) {
    // written at exit, so the cache also holds the validation functions this run compiled
    process.once('exit', () => {
      try {
        const tmp = `${codeCache}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, codeCache);
      } catch {
        /* no writable cache */
      }
    });
  }
  return mod.exports as ValidateFunction;
}

const HASH_LENGTH = 32;

/**
 * The verified-hash file, searched in place: sorted lines of 32 hex digits, looked up by binary search (building
 * a set of 20,000 strings at every start cost more than the few dozen lookups of a one-environment run).
 * A file that is not in that shape (an older format, a torn write) is read as empty.
 */
export class VerifiedHashes {
  private readonly count: number;
  constructor(private readonly bytes: Buffer) {
    const line = HASH_LENGTH + 1;
    const wellFormed = bytes.length % line === 0 && (bytes.length === 0 || bytes[bytes.length - 1] === 0x0a);
    this.count = wellFormed ? bytes.length / line : 0;
  }
  private at(i: number): string {
    const start = i * (HASH_LENGTH + 1);
    return this.bytes.toString('latin1', start, start + HASH_LENGTH);
  }
  has(id: string): boolean {
    let lo = 0;
    let hi = this.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const h = this.at(mid);
      if (h === id) return true;
      if (h < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }
  all(): string[] {
    return Array.from({ length: this.count }, (_, i) => this.at(i));
  }
}

/** Validate every Kubernetes object in the rendered tree (overlays are checked as the planner built them). */
/** (`save`: remember the objects that passed, when all did; a caller checking in parts saves once at the end.) */
export function verifyObjects(docs: Map<string, unknown[]>, objects: Array<{ file: string; object: Record<string, unknown> }>, validators: UpstreamValidators, outPath: string, save = true): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const all = [...objects];
  for (const [file, list] of docs) {
    if (file.includes('/values/') || file.endsWith('helmfile.yaml') || file.endsWith('kustomization.yaml')) continue;
    for (const o of list) if (isPlainObject(o) && typeof o.apiVersion === 'string') all.push({ file, object: o });
  }
  for (const { file, object } of all) {
    const errors = validators.check(object);
    const where = { file: posix.join(outPath, file), line: 1, column: 1, severity: 'error' as const };
    if (!errors) continue; // core kinds without an upstream schema are left to kubectl
    {
      for (const e of errors) {
        const extra = (e.params as { additionalProperty?: string }).additionalProperty;
        problems.push({
          ...where,
          path: `${object.kind}/${(object.metadata as { name?: string })?.name}${e.instancePath.replace(/\//g, '.')}${extra ? `.${extra}` : ''}`,
          code: 'upstream-schema',
          message: `${object.apiVersion} ${object.kind} does not match the upstream schema: ${e.message}${extra ? ` (${extra})` : ''}`,
          suggestion: 'This is a tracestack bug, or a pass-through value the CRD does not have.',
        });
      }
    }
  }
  if (!problems.length && save) validators.save();
  return problems;
}
