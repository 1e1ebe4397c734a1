import { isPlainObject } from '../load/merge.js';
import { strictSchema } from './crd.js';

/**
 * Built-in kinds (no CRD describes them) -> strict standalone JSON schemas, from a Kubernetes OpenAPI v3 document
 * (`kubectl get --raw /openapi/v3/api/v1`, or the kubernetes repository's api/openapi-spec/v3/*.json), the way
 * ../shared/upstream derived its `k8s-schemas/v1.35_*.json` (its README, "Derived files"):
 * (1) the `components.schemas` entry whose `x-kubernetes-group-version-kind` names the kind (exactly one);
 * (2) every reference inlined: `{$ref: R}` becomes the referenced schema, `{allOf: [{$ref: R}], ...siblings}` the
 *     referenced schema with the siblings laid over it (the field's own description wins); any other `$ref` shape,
 *     or a recursive reference, is refused;
 * (3) `$schema: draft-07` first; (4) `apiVersion.enum` / `kind.enum` set to the one group/version and kind;
 * (5) `additionalProperties: false` by the same rule as the CRD schemas.
 */
export interface BuiltinSchema {
  /** `<kind>-<group>-<version>.json` in lower case, `core` for the core group. */
  file: string;
  apiVersion: string;
  kind: string;
  strict: Record<string, unknown>;
}

type Schema = Record<string, unknown>;

/** The built-in kinds tracestack renders: what `tracestack schemas` keeps from an OpenAPI document unless --all. */
export const RENDERED_BUILTIN_KINDS = ['v1/Namespace', 'v1/ServiceAccount', 'rbac.authorization.k8s.io/v1/ClusterRole', 'rbac.authorization.k8s.io/v1/ClusterRoleBinding', 'rbac.authorization.k8s.io/v1/Role', 'rbac.authorization.k8s.io/v1/RoleBinding', 'networking.k8s.io/v1/NetworkPolicy'];

/** OpenAPI paths (`/openapi/v3/<path>`) that hold RENDERED_BUILTIN_KINDS. */
export const RENDERED_BUILTIN_PATHS = ['api/v1', 'apis/rbac.authorization.k8s.io/v1', 'apis/networking.k8s.io/v1'];

/** Is this document a Kubernetes OpenAPI v3 document (with component schemas)? */
export const isOpenApi = (doc: unknown): doc is Schema => isPlainObject(doc) && typeof doc.openapi === 'string' && isPlainObject(get(doc, 'components', 'schemas'));

const get = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((v, k) => (isPlainObject(v) ? v[k] : undefined), o);

/** Strict schemas of the kinds in one OpenAPI v3 document that `keep` accepts (by "apiVersion/kind"). */
export function builtinSchemas(doc: Schema, keep: (apiVersionKind: string) => boolean): BuiltinSchema[] {
  const schemas = get(doc, 'components', 'schemas') as Record<string, Schema>;
  const out: BuiltinSchema[] = [];
  for (const [name, schema] of Object.entries(schemas)) {
    const gvks = schema['x-kubernetes-group-version-kind'];
    // list and option types (DeleteOptions, WatchEvent) carry many group/version/kinds: not object kinds
    if (!Array.isArray(gvks) || gvks.length !== 1) continue;
    const { group, version, kind } = gvks[0] as { group: string; version: string; kind: string };
    const apiVersion = group ? `${group}/${version}` : version;
    if (!keep(`${apiVersion}/${kind}`)) continue;
    const inlined = inline(schema, schemas, [name]) as Schema;
    const full: Schema = { $schema: 'http://json-schema.org/draft-07/schema#', ...inlined };
    const props = full.properties as Record<string, Schema> | undefined;
    if (props?.apiVersion) props.apiVersion.enum = [apiVersion];
    if (props?.kind) props.kind.enum = [kind];
    out.push({ file: `${kind}-${group || 'core'}-${version}.json`.toLowerCase(), apiVersion, kind, strict: strictSchema(full) });
  }
  return out;
}

const REF = '#/components/schemas/';

function inline(s: unknown, schemas: Record<string, Schema>, stack: string[]): unknown {
  if (Array.isArray(s)) return s.map((x) => inline(x, schemas, stack));
  if (!isPlainObject(s)) return s;
  const resolveRef = (ref: unknown) => {
    if (typeof ref !== 'string' || !ref.startsWith(REF)) throw new Error(`unsupported $ref ${String(ref)}`);
    const name = ref.slice(REF.length);
    if (stack.includes(name)) throw new Error(`recursive $ref ${stack.join(' -> ')} -> ${name}`);
    if (!schemas[name]) throw new Error(`$ref to a missing schema ${name}`);
    return inline(schemas[name], schemas, [...stack, name]) as Schema;
  };
  if ('$ref' in s) {
    if (Object.keys(s).length !== 1) throw new Error(`unsupported $ref shape with siblings: ${Object.keys(s).join(', ')}`);
    return resolveRef(s.$ref);
  }
  if (Array.isArray(s.allOf) && s.allOf.length === 1 && isPlainObject(s.allOf[0]) && '$ref' in s.allOf[0]) {
    if (Object.keys(s.allOf[0]).length !== 1) throw new Error('unsupported allOf [$ref] shape');
    const { allOf, ...siblings } = s;
    return { ...resolveRef((allOf as Schema[])[0].$ref), ...(inline(siblings, schemas, stack) as Schema) };
  }
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, inline(v, schemas, stack)]));
}
