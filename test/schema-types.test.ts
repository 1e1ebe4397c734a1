import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { fields } from '../src/docs/reference.js';
import { environmentSchema } from '../src/validate/schema.js';
import { REPO } from './helpers/repo.js';

/**
 * The TypeScript view (src/model.ts, the Environment after schema defaults) and the JSON Schema must describe the
 * same fields: same paths, same shape of value, and a field is optional in TypeScript exactly when the schema
 * neither requires it nor gives it a default.
 */
type Shape = { kind: string; optional: boolean };
type Schema = Record<string, any>;

function schemaShapes(root: Schema): Map<string, Shape> {
  const out = new Map<string, Shape>();
  const deref = (s: Schema): Schema => (s?.$ref ? { ...deref(root.$defs[s.$ref.replace('#/$defs/', '')]), ...Object.fromEntries(Object.entries(s).filter(([k]) => k !== '$ref')) } : s);
  const kind = (s: Schema): string => {
    s = deref(s);
    if (s.const !== undefined) return JSON.stringify([s.const]);
    if (s.enum) return JSON.stringify([...s.enum].sort());
    if (s.type === 'array') return `array<${kind(s.items)}>`;
    if (Array.isArray(s.type)) return [...new Set(s.type.map((t: string) => (t === 'integer' ? 'number' : t)))].sort().join('|');
    if (s.type === 'integer') return 'number';
    if (s.type === 'object') return s.properties && s.additionalProperties === false ? 'object' : 'map';
    return String(s.type);
  };
  const walk = (schema: Schema, path: string, optional: boolean) => {
    const s = deref(schema);
    if (path) out.set(path, { kind: kind(s), optional });
    if (s.type === 'object' && s.properties && s.additionalProperties === false) {
      const req = new Set<string>(s.required ?? []);
      for (const [k, v] of Object.entries<Schema>(s.properties)) walk(v, path ? `${path}.${k}` : k, !req.has(k) && deref(v).default === undefined);
    }
  };
  walk(root, '', false);
  return out;
}

function typeShapes(modelFile: string): Map<string, Shape> {
  const program = ts.createProgram([modelFile], { strict: true, noEmit: true });
  const checker = program.getTypeChecker();
  const sf = program.getSourceFile(modelFile)!;
  const env = sf.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'Environment')!;
  const out = new Map<string, Shape>();
  const kind = (t: ts.Type): string => {
    const parts = t.isUnion() ? t.types.filter((x) => !(x.flags & ts.TypeFlags.Undefined)) : [t];
    if (parts.length > 1 && parts.every((p) => p.isStringLiteral())) return JSON.stringify(parts.map((p) => (p as ts.StringLiteralType).value).sort());
    if (parts.length === 1 && parts[0].isStringLiteral()) return JSON.stringify([parts[0].value]);
    if (parts.every((p) => p.flags & ts.TypeFlags.BooleanLiteral)) return 'boolean';
    if (parts.length > 1) return [...new Set(parts.map(kind))].sort().join('|');
    const p = parts[0];
    if (p.flags & ts.TypeFlags.String) return 'string';
    if (p.flags & ts.TypeFlags.Number) return 'number';
    if (p.flags & ts.TypeFlags.Boolean) return 'boolean';
    if (checker.isArrayType(p)) return `array<${kind(checker.getTypeArguments(p as ts.TypeReference)[0])}>`;
    if (checker.getIndexInfosOfType(p).length) return 'map';
    return 'object';
  };
  const walk = (t: ts.Type, path: string) => {
    for (const sym of checker.getPropertiesOfType(t)) {
      const p = path ? `${path}.${sym.name}` : sym.name;
      const pt = checker.getTypeOfSymbolAtLocation(sym, env);
      const k = kind(pt);
      out.set(p, { kind: k, optional: (sym.flags & ts.SymbolFlags.Optional) !== 0 });
      if (k === 'object') walk(checker.getNonNullableType(pt), p);
    }
  };
  walk(checker.getTypeAtLocation(env), '');
  return out;
}

export function drift(schema: Schema, modelFile: string): string[] {
  const a = schemaShapes(schema);
  const b = typeShapes(modelFile);
  const problems: string[] = [];
  for (const [p, s] of a) {
    const t = b.get(p);
    if (!t) problems.push(`${p}: in the schema, not in src/model.ts`);
    else if (t.kind !== s.kind) problems.push(`${p}: schema ${s.kind}, TypeScript ${t.kind}`);
    else if (t.optional !== s.optional) problems.push(`${p}: ${s.optional ? 'optional' : 'always set'} per the schema, ${t.optional ? 'optional' : 'always set'} in TypeScript`);
  }
  for (const p of b.keys()) if (!a.has(p)) problems.push(`${p}: in src/model.ts, not in the schema`);
  return problems;
}

const MODEL = join(REPO, 'src/model.ts');

describe('src/model.ts and schemas/environment.schema.json describe the same fields', () => {
  it('no drift', () => {
    expect(drift(environmentSchema, MODEL)).toEqual([]);
  });

  it('a field added to the schema only is reported', () => {
    const s = structuredClone(environmentSchema) as Schema;
    s.$defs.tempo.properties.newKnob = { type: 'string', default: 'x', description: 'x' };
    expect(drift(s, MODEL)).toEqual(['spec.tempo.newKnob: in the schema, not in src/model.ts']);
  });

  it('a field added to the TypeScript types only is reported, and so is a changed type', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracestack-model-'));
    const file = join(dir, 'model.ts');
    writeFileSync(file, readFileSync(MODEL, 'utf8').replace('retention: string;\n    storage', 'retention: string;\n    compression: string;\n    storage').replace('istiodReplicas: number', 'istiodReplicas: string'));
    expect(drift(environmentSchema, file).sort()).toEqual(['spec.istio.istiodReplicas: schema number, TypeScript string', 'spec.tempo.compression: in src/model.ts, not in the schema']);
  });
});

describe('every schema field is documented for editors', () => {
  const all = fields(environmentSchema);
  it('every field that holds a value has at least one example', () => {
    const leaves = all.filter((f) => !all.some((g) => g.path.startsWith(f.path + '.')));
    expect(leaves.filter((f) => !f.examples?.length).map((f) => f.path)).toEqual([]);
  });
});
