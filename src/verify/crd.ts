import { isPlainObject } from '../load/merge.js';

/**
 * CustomResourceDefinitions -> strict JSON schemas, the way ../shared/upstream derived its `crd-schemas/strict/`
 * files (its README, "Derived files"), so a user's cluster or CRD folder gives the same validators:
 * - one schema per **served** version: the version's `schema.openAPIV3Schema`, taken as is (every `x-kubernetes-*`
 *   key, `nullable` and `format` kept);
 * - top-level `apiVersion` / `kind` / `metadata` properties are added as `{type: string}` / `{type: string}` /
 *   `{type: object}` where the CRD's schema lacks them (Istio's do), so a whole manifest validates;
 * - `additionalProperties: false` on every object schema that has `properties`, has no `additionalProperties` and is
 *   not `x-kubernetes-preserve-unknown-fields: true` (the kubeconform "-strict" convention: the API server would
 *   prune an unknown field silently; here it is refused). "Object" means a schema reached through `properties`,
 *   `patternProperties`, `items` or `additionalProperties`; the branches of `allOf` / `anyOf` / `oneOf` / `not` are
 *   not closed (in a structural schema they restate fields of the enclosing object).
 * Two Kubernetes rules the upstream files did not need are applied too: an `x-kubernetes-int-or-string: true` field
 * without its own `anyOf`/`type` gets `anyOf: [{type: integer}, {type: string}]` (what the API server accepts), and
 * an `x-kubernetes-embedded-resource: true` object that is closed keeps `apiVersion`, `kind` and `metadata` (which
 * the API server allows there implicitly).
 */
export interface CrdSchema {
  /** File name, `<kind>_<version>.json` in lower case (as in ../shared/upstream/crd-schemas). */
  file: string;
  apiVersion: string;
  kind: string;
  /** CRD name, e.g. telemetries.telemetry.istio.io. */
  crd: string;
  served: boolean;
  storage: boolean;
  deprecated: boolean;
  /** Top-level properties that were added (apiVersion, kind, metadata). */
  addedKeys: string[];
  strict: Record<string, unknown>;
}

type Schema = Record<string, unknown>;

/** Is this document a CustomResourceDefinition (apiextensions.k8s.io/v1)? */
export const isCrd = (doc: unknown): doc is Schema => isPlainObject(doc) && doc.kind === 'CustomResourceDefinition' && String(doc.apiVersion ?? '').startsWith('apiextensions.k8s.io/');

/** The strict schema of each served version of one CRD. Throws with the CRD's name when it has no usable schema. */
export function crdSchemas(crd: Schema): CrdSchema[] {
  const spec = crd.spec as Schema | undefined;
  const name = String((crd.metadata as Schema | undefined)?.name ?? '?');
  if (!isPlainObject(spec) || typeof spec.group !== 'string' || !isPlainObject(spec.names) || typeof spec.names.kind !== 'string' || !Array.isArray(spec.versions)) {
    throw new Error(`CustomResourceDefinition ${name} has no spec.group, spec.names.kind or spec.versions`);
  }
  const kind = spec.names.kind;
  const out: CrdSchema[] = [];
  for (const v of spec.versions as Schema[]) {
    if (!v.served) continue;
    const schema = (v.schema as Schema | undefined)?.openAPIV3Schema;
    if (!isPlainObject(schema)) throw new Error(`CustomResourceDefinition ${name} version ${v.name} has no schema.openAPIV3Schema`);
    const copy = structuredClone(schema) as Schema;
    const addedKeys: string[] = [];
    const props = (copy.properties ??= {}) as Schema;
    const missing: Array<[string, Schema]> = [
      ['apiVersion', { type: 'string' }],
      ['kind', { type: 'string' }],
      ['metadata', { type: 'object' }],
    ];
    for (const [k, s] of missing) {
      if (!(k in props)) {
        props[k] = s;
        addedKeys.push(k);
      }
    }
    out.push({
      file: `${kind.toLowerCase()}_${String(v.name).toLowerCase()}.json`,
      apiVersion: `${spec.group}/${v.name}`,
      kind,
      crd: name,
      served: true,
      storage: Boolean(v.storage),
      deprecated: Boolean(v.deprecated),
      addedKeys,
      strict: strictSchema(copy),
    });
  }
  return out;
}

/** Close every object schema per the rule above (returns the same, changed, object). */
export function strictSchema(root: Schema): Schema {
  const visit = (s: unknown) => {
    if (!isPlainObject(s)) return;
    if (s['x-kubernetes-int-or-string'] === true && s.anyOf === undefined && s.oneOf === undefined && s.type === undefined) {
      s.anyOf = [{ type: 'integer' }, { type: 'string' }];
    }
    if (isPlainObject(s.properties) && s.additionalProperties === undefined && s['x-kubernetes-preserve-unknown-fields'] !== true) {
      if (s['x-kubernetes-embedded-resource'] === true) {
        for (const [k, t] of [['apiVersion', 'string'], ['kind', 'string'], ['metadata', 'object']] as const) s.properties[k] ??= { type: t };
      }
      s.additionalProperties = false;
    }
    if (isPlainObject(s.properties)) for (const p of Object.values(s.properties)) visit(p);
    if (isPlainObject(s.patternProperties)) for (const p of Object.values(s.patternProperties)) visit(p);
    if (Array.isArray(s.items)) s.items.forEach(visit);
    else visit(s.items);
    visit(s.additionalProperties);
  };
  visit(root);
  return root;
}
