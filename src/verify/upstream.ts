/**
 * Rendered objects checked against the upstream (CRD and built-in kind) schemas. The jobs around it live beside it:
 * where the schema folder is found (upstream-location.ts), the compiled-validator cache (upstream-compile.ts) and
 * the database of objects that already passed (upstream-hashes.ts). Their exports are re-exported here.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Diagnostic } from '../diagnostics.js';
import { isPlainObject } from '../load/merge.js';
import { compileCached } from './upstream-compile.js';
import { VerifiedStore } from './upstream-hashes.js';
import { isHelmfile, isValuesFile } from '../plan/layout.js';
import { RENDERED_BUILTIN_KINDS } from './openapi.js';

export { locateSchemas, REPO_SCHEMAS, SCHEMA_SOURCE_TEXT, type SchemaSource } from './upstream-location.js';
export { VerifiedHashes } from './upstream-hashes.js';

interface IndexEntry {
  file: string;
  apiVersion: string;
  kind: string;
}

/**
 * Strict CRD validators, compiled once per schema file and cached as ajv standalone code (upstream-compile.ts).
 * The cache key is the schema's hash, so a changed schema is recompiled.
 */
export class UpstreamValidators {
  private index = new Map<string, string>();
  private loaded = new Map<string, ValidateFunction>();
  private fileHashes = new Map<string, string>();
  /** Hashes of (schema, object) pairs that passed: an unchanged object is not validated again. */
  private verified: VerifiedStore;
  /** apiVersion/kind -> objects checked against a schema, this run. */
  readonly checkedKinds = new Map<string, number>();
  /** apiVersion/kind -> objects that had no schema to be checked against, this run. */
  readonly uncheckedKinds = new Map<string, number>();

  /** `dir` undefined: no schemas at all (every object is counted as not checked). */
  constructor(
    readonly dir: string | undefined,
    readonly cacheDir: string,
  ) {
    this.verified = new VerifiedStore(cacheDir);
    if (dir === undefined) return;
    const entries = JSON.parse(readFileSync(join(dir, 'crd-schemas/index.json'), 'utf8')) as IndexEntry[];
    for (const e of entries) this.index.set(`${e.apiVersion}/${e.kind}`, join(dir, 'crd-schemas/strict', e.file));
    // Built-in kinds tracestack renders (Namespace, ServiceAccount, RBAC, NetworkPolicy): ../shared/upstream keeps
    // strict schemas derived from the Kubernetes OpenAPI as k8s-schemas/v<major.minor>_<kind>-<group>-<version>.json
    // (its README: "Kubernetes 1.35 schemas"). A folder written by `tracestack schemas` has them in its index instead.
    const k8s = join(dir, 'k8s-schemas');
    if (existsSync(k8s)) {
      const files = readdirSync(k8s).filter((f) => /^v\d+\.\d+_.+\.json$/.test(f)).sort().reverse(); // newest Kubernetes first
      for (const key of RENDERED_BUILTIN_KINDS) {
        if (this.index.has(key)) continue;
        const [kind, version, ...group] = key.split('/').reverse();
        const suffix = `_${kind.toLowerCase()}-${group.length ? group.join('/') : 'core'}-${version}.json`;
        const file = files.find((f) => f.endsWith(suffix));
        if (file) this.index.set(key, join(k8s, file));
      }
    }
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
    if (this.verified.has(id)) return [];
    const v = this.get(String(object.apiVersion), String(object.kind))!;
    if (v(object) as boolean) {
      this.verified.add(id);
      return [];
    }
    return v.errors ?? [];
  }

  /**
   * Persist newly verified hashes. The file is bounded: past 20,000 hashes it keeps only what this run used
   * (found or added), the working set of the latest run.
   */
  save(): void {
    this.verified.save();
  }

  get(apiVersion: string, kind: string): ValidateFunction | undefined {
    const key = `${apiVersion}/${kind}`;
    const file = this.index.get(key);
    if (!file) return undefined;
    let v = this.loaded.get(key);
    if (!v) {
      v = compileCached(file, this.schemaHash(file), this.cacheDir);
      this.loaded.set(key, v);
    }
    return v;
  }
}

/** Validate every Kubernetes object in the rendered tree (overlays are checked as the planner built them). */
/** (`save`: remember the objects that passed, when all did; a caller checking in parts saves once at the end.) */
export function verifyObjects(docs: Map<string, unknown[]>, objects: Array<{ file: string; object: Record<string, unknown> }>, validators: UpstreamValidators, outPath: string, save = true): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const all = [...objects];
  for (const [file, list] of docs) {
    if (isValuesFile(file) || isHelmfile(file) || file.endsWith('kustomization.yaml')) continue;
    for (const o of list) if (isPlainObject(o) && typeof o.apiVersion === 'string') all.push({ file, object: o });
  }
  for (const { file, object } of all) {
    const errors = validators.check(object);
    if (!errors) continue; // core kinds without an upstream schema are left to kubectl
    const where = { file: posix.join(outPath, file), line: 1, column: 1, severity: 'error' as const };
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
  if (!problems.length && save) validators.save();
  return problems;
}
