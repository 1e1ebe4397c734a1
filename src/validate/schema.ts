import { existsSync, readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { closest, type Diagnostic } from '../diagnostics.js';
import type { LoadedEnvironment } from '../load/environments.js';
import { clone } from '../load/merge.js';
import { AJV_OPTIONS } from './options.js';
import { packagePath } from '../package.js';
import { prebuiltValidator } from './prebuilt.js';
import { components, registryVersion } from '../components/index.js';
import { charts } from '../components/derived.js';

const packageFile = (rel: string) => (existsSync(packagePath(rel)) ? packagePath(rel) : undefined);

/** The one schema: editors load it through the modeline, the validator compiles it, README documents it. */
export const environmentSchema = JSON.parse(readFileSync(packageFile('schemas/environment.schema.json')!, 'utf8')) as Record<string, unknown>;

/**
 * The environment schema for the registered components: schemas/environment.schema.json plus the section of every
 * component that brings its own (Component.schema) and a spec.chartVersions key for every chart not in the file.
 * Without such components it is the file itself (and the build's precompiled validator applies).
 */
function registeredSchema(): Record<string, unknown> | undefined {
  const defs = environmentSchema.$defs as Record<string, any>;
  const sections = components().filter((c) => c.specKey && c.schema && !(c.specKey in defs.spec.properties));
  const chartKeys = [...charts().values()].filter((c) => !(c.key in defs.chartVersions.properties));
  if (!sections.length && !chartKeys.length) return undefined;
  const schema = clone(environmentSchema) as Record<string, any>;
  for (const c of sections) {
    schema.$defs[c.specKey!] = c.schema;
    schema.$defs.spec.properties[c.specKey!] = { $ref: `#/$defs/${c.specKey}`, default: {} };
  }
  for (const c of chartKeys) schema.$defs.chartVersions.properties[c.key] = { type: 'string', pattern: '^v?[0-9]+\\.[0-9]+\\.[0-9]+$', description: `${c.repo}/${c.chart} (default ${c.known[0]}).` };
  return schema;
}

let compiled: ValidateFunction | undefined;
let compiledFor = -1;
/**
 * The one route to the environment schema's validator: in the CLI bundle it is precompiled (scripts/build.mjs, ajv
 * standalone, part of the bundle and its V8 code cache); anywhere else (tests, the tsc output), or when registered
 * components extend the schema, it is compiled here with the same options, never read from an earlier build.
 */
export function environmentValidator(): ValidateFunction {
  if (compiledFor !== registryVersion()) {
    const extended = registeredSchema();
    compiled = extended ? new Ajv2020(AJV_OPTIONS).compile(extended) : compiledFor <= 0 ? compiled : undefined;
    compiledFor = registryVersion();
  }
  return (compiled ??= prebuiltValidator ?? new Ajv2020(AJV_OPTIONS).compile(environmentSchema));
}
const validator = environmentValidator;

export const pointerToPath = (pointer: string) =>
  pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');

const describe = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a map' : `${typeof v} ${JSON.stringify(v)}`);

/**
 * Validate a loaded environment against schemas/environment.schema.json. Returns the document with schema
 * defaults applied (the input is not modified) and every error mapped to file:line:column.
 */
export function validateEnvironment(env: LoadedEnvironment): { resolved?: Record<string, unknown>; diagnostics: Diagnostic[] } {
  const doc = clone(env.document);
  const validate = validator();
  if (validate(doc)) return { resolved: doc, diagnostics: [] };
  return { diagnostics: mapErrors(env, validate.errors ?? []) };
}

/** Fill schema defaults into a copy of doc, ignoring validity (for the defaults-only base environment). */
export function applySchemaDefaults(doc: Record<string, unknown>): Record<string, unknown> {
  const copy = clone(doc);
  validator()(copy);
  return copy;
}

function mapErrors(env: LoadedEnvironment, errors: ErrorObject[]): Diagnostic[] {
  // oneOf/if produce an umbrella error plus the failures of each branch: keep one message per umbrella.
  const umbrellas = errors.filter((e) => e.keyword === 'oneOf').map((e) => e.schemaPath + '/');
  const kept = errors.filter((e) => e.keyword !== 'if' && !umbrellas.some((u) => e.schemaPath.startsWith(u)));
  const out: Diagnostic[] = [];
  for (const e of kept) {
    const d = mapError(env, e);
    if (d && !out.some((o) => o.line === d.line && o.column === d.column && o.message === d.message)) out.push(d);
  }
  return out;
}

/** Values users reach for that the schema refuses on purpose, with the reason and the fix. */
const ENUM_HINTS: Record<string, Record<string, { why: string; fix: string }>> = {
  'spec.collector.mode': {
    sidecar: {
      why: 'a sidecar collector has no Service, and Istio, ingress-nginx and the Instrumentation endpoints reach the collector by Service',
      fix: 'Set: spec.collector.mode: deployment',
    },
  },
};

function mapError(env: LoadedEnvironment, e: ErrorObject): Diagnostic {
  const base = (pointer: string, preferKey: boolean) => ({ ...env.locate(pointer, preferKey), path: pointerToPath(pointer), severity: 'error' as const });
  const params = e.params as Record<string, unknown>;
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const pointer = `${e.instancePath}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      const allowed = Object.keys((parent.properties as object) ?? {});
      const guess = closest(key, allowed);
      return {
        ...base(pointer, true),
        code: 'unknown-key',
        message: `unknown key "${key}"; expected one of: ${allowed.join(', ')}`,
        suggestion: guess ? `did you mean "${guess}"?` : undefined,
      };
    }
    case 'required': {
      const missing = String(params.missingProperty);
      return { ...base(e.instancePath, true), path: pointerToPath(`${e.instancePath}/${missing}`), code: 'required', message: `missing required key "${missing}"` };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const guess = typeof e.data === 'string' ? closest(e.data, allowed) : undefined;
      const hint = ENUM_HINTS[pointerToPath(e.instancePath)]?.[String(e.data)];
      return {
        ...base(e.instancePath, false),
        code: 'enum',
        message: `expected one of: ${allowed.join(', ')}; got ${describe(e.data)}${hint ? `: ${hint.why}` : ''}`,
        suggestion: hint?.fix ?? (guess ? `did you mean "${guess}"?` : undefined),
      };
    }
    case 'const':
      return { ...base(e.instancePath, false), code: 'const', message: `expected ${JSON.stringify(params.allowedValue)}; got ${describe(e.data)}`, suggestion: `Set: ${pointerToPath(e.instancePath)}: ${params.allowedValue}` };
    case 'type':
      return { ...base(e.instancePath, false), code: 'type', message: `expected ${[params.type].flat().join(' or ')}; got ${describe(e.data)}` };
    case 'oneOf': {
      const branches = ((e.schema as Array<Record<string, unknown>>) ?? []).map((s) => ((s.required as string[]) ?? []).join(' + '));
      return { ...base(e.instancePath, true), code: 'one-of', message: `set exactly one of: ${branches.join(', ')}` };
    }
    case 'pattern': {
      const what = typeof parent.description === 'string' ? ` (${parent.description})` : '';
      return { ...base(e.instancePath, false), code: 'pattern', message: `${describe(e.data)} does not match ${params.pattern}${what}` };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { ...base(e.instancePath, false), code: 'range', message: `must be ${params.comparison} ${params.limit}; got ${describe(e.data)}` };
    default:
      return { ...base(e.instancePath, false), code: e.keyword.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`), message: e.message ?? 'invalid value' };
  }
}
