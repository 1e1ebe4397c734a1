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
  for (const f of ['int32', 'int64', 'double', 'float', 'byte', 'int-or-string']) if (!ajv.formats[f]) ajv.addFormat(f, true);
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
    index.set('networking.k8s.io/v1/NetworkPolicy', join(dir, 'k8s-schemas', 'v1.35_networkpolicy-networking.k8s.io-v1.json'));
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

/**
 * ../shared/upstream has no schema for rbac.authorization.k8s.io objects (only Namespace, ConfigMap, Secret and
 * ServiceAccount of the core kinds). They are checked here by hand, field by field, so a typo still fails.
 */
export function rbacShapeErrors(obj: any): string[] {
  const errors: string[] = [];
  const onlyKeys = (o: any, allowed: string[], at: string) => {
    if (o === null || typeof o !== 'object' || Array.isArray(o)) return errors.push(`${at} must be a map`);
    for (const k of Object.keys(o)) if (!allowed.includes(k)) errors.push(`${at}/${k} is not a field of ${obj.kind}`);
  };
  const strings = (v: unknown, at: string, nonEmpty = false) => {
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string') || (nonEmpty && v.length === 0)) errors.push(`${at} must be a list of strings`);
  };
  if (obj?.apiVersion !== 'rbac.authorization.k8s.io/v1') return [`unexpected apiVersion ${obj?.apiVersion}`];
  if (typeof obj.metadata?.name !== 'string') errors.push('/metadata/name is required');
  onlyKeys(obj.metadata, ['name', 'namespace', 'labels', 'annotations'], '/metadata');
  switch (obj.kind) {
    case 'ClusterRole':
    case 'Role':
      onlyKeys(obj, ['apiVersion', 'kind', 'metadata', 'rules'], '');
      if (!Array.isArray(obj.rules)) errors.push('/rules must be a list');
      (obj.rules ?? []).forEach((r: any, i: number) => {
        onlyKeys(r, ['apiGroups', 'resources', 'verbs', 'resourceNames', 'nonResourceURLs'], `/rules/${i}`);
        strings(r.verbs, `/rules/${i}/verbs`, true);
        if (r.apiGroups !== undefined) strings(r.apiGroups, `/rules/${i}/apiGroups`);
        if (r.resources !== undefined) strings(r.resources, `/rules/${i}/resources`, true);
      });
      break;
    case 'ClusterRoleBinding':
    case 'RoleBinding':
      onlyKeys(obj, ['apiVersion', 'kind', 'metadata', 'roleRef', 'subjects'], '');
      onlyKeys(obj.roleRef, ['apiGroup', 'kind', 'name'], '/roleRef');
      if (obj.roleRef?.apiGroup !== 'rbac.authorization.k8s.io' || !['Role', 'ClusterRole'].includes(obj.roleRef?.kind) || typeof obj.roleRef?.name !== 'string') {
        errors.push('/roleRef must name a Role or ClusterRole of rbac.authorization.k8s.io');
      }
      if (!Array.isArray(obj.subjects)) errors.push('/subjects must be a list');
      (obj.subjects ?? []).forEach((s: any, i: number) => {
        onlyKeys(s, ['kind', 'name', 'namespace', 'apiGroup'], `/subjects/${i}`);
        if (!['ServiceAccount', 'User', 'Group'].includes(s.kind) || typeof s.name !== 'string') errors.push(`/subjects/${i} needs kind and name`);
        if (s.kind === 'ServiceAccount' && typeof s.namespace !== 'string') errors.push(`/subjects/${i}/namespace is required for a ServiceAccount`);
      });
      break;
    default:
      errors.push(`unexpected kind ${obj.kind}`);
  }
  return errors;
}

/** Every rendered object: strict upstream schema, or, for RBAC only (no upstream schema), the shape check above. */
export function checkObject(obj: any): string[] {
  return String(obj?.apiVersion).startsWith('rbac.authorization.k8s.io/') ? rbacShapeErrors(obj) : validateObject(obj);
}
