import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { REPO } from './repo.js';

const addFormats = addFormatsModule as unknown as (ajv: object) => void;

/**
 * Upstream data (CRDs, chart defaults, SchemaStore schemas) is read in place: TRACESTACK_UPSTREAM, or
 * ../shared/upstream beside the repository. It is never copied into this repo.
 */
export function upstreamDir(): string {
  const dir = process.env.TRACESTACK_UPSTREAM ? resolve(process.env.TRACESTACK_UPSTREAM) : resolve(REPO, '../shared/upstream');
  if (!existsSync(join(dir, 'crd-schemas/index.json'))) {
    throw new Error(
      `upstream data not found at ${dir} (expected crd-schemas/index.json there). ` +
        'Set TRACESTACK_UPSTREAM to the folder, or check out shared/ beside this repository as ../shared/upstream.',
    );
  }
  return dir;
}

export const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8'));
export const readYaml = (p: string) => parse(readFileSync(p, 'utf8'));

/** Go durations, as the OpenTelemetry CRDs mean by format: duration (ajv-formats would expect ISO-8601). */
const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;

function kubeAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('duration', GO_DURATION);
  for (const f of ['int32', 'int64', 'double', 'float', 'byte']) if (!ajv.formats[f]) ajv.addFormat(f, true);
  return ajv;
}

export type Validate = ((data: unknown) => boolean) & { errors?: unknown };

const compiled = new Map<string, Validate>();
let index: Map<string, string> | undefined;

/** Strict (additionalProperties: false) validator for one apiVersion/kind, compiled on first use. */
export function strictValidator(apiVersion: string, kind: string): Validate | undefined {
  const key = `${apiVersion}/${kind}`;
  const hit = compiled.get(key);
  if (hit) return hit;
  const dir = upstreamDir();
  if (!index) {
    const entries = readJson(join(dir, 'crd-schemas/index.json')) as Array<{ file: string; apiVersion: string; kind: string }>;
    index = new Map(entries.map((e) => [`${e.apiVersion}/${e.kind}`, join(dir, 'crd-schemas/strict', e.file)]));
    const core: Record<string, string> = { Namespace: 'namespace-v1.json', ConfigMap: 'configmap-v1.json', Secret: 'secret-v1.json', ServiceAccount: 'serviceaccount-v1.json' };
    for (const [k, f] of Object.entries(core)) index.set(`v1/${k}`, join(dir, 'k8s-schemas', f));
  }
  const file = index.get(key);
  if (!file) return undefined;
  const v = kubeAjv().compile(readJson(file)) as Validate;
  compiled.set(key, v);
  return v;
}

/** Validate one object against its strict upstream schema; returns error strings (empty when valid). */
export function validateObject(obj: any): string[] {
  const v = strictValidator(obj?.apiVersion, obj?.kind);
  if (!v) return [`no upstream schema for ${obj?.apiVersion} ${obj?.kind}`];
  if (v(obj)) return [];
  return ((v.errors as any[]) ?? []).map((e) => `${e.instancePath} ${e.message} ${e.params?.additionalProperty ?? ''}`.trim());
}

export function schemastoreValidator(name: 'helmfile' | 'kustomization'): Validate {
  const ajv = kubeAjv();
  return ajv.compile(readJson(join(upstreamDir(), 'schemastore', `${name}.json`))) as Validate;
}

/** A chart's values.schema.json, compiled with the draft it declares; undefined when the chart ships none. */
export function chartSchema(chartDir: string): Validate | undefined {
  const p = join(upstreamDir(), 'charts', chartDir, 'values.schema.json');
  if (!existsSync(p)) return undefined;
  const schema = readJson(p);
  const ajv = String(schema.$schema ?? '').includes('2019-09') ? new Ajv2019({ strict: false, allErrors: true }) : new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  if (String(schema.$schema ?? '').includes('2019-09')) delete schema.$schema;
  return ajv.compile(schema) as Validate;
}

export function chartDefaults(chartDir: string): Record<string, unknown> {
  return readYaml(join(upstreamDir(), 'charts', chartDir, 'values.yaml')) ?? {};
}
