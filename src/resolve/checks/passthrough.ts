import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { closest, type Diagnostic } from '../../diagnostics.js';
import type { ChartRef, HelmUnit, Unit } from '../../components/types.js';
import type { LoadedEnvironment } from '../../load/environments.js';
import { clone, deepMerge, isPlainObject } from '../../load/merge.js';
import type { Environment } from '../../model.js';
import { unitsFor } from '../units.js';
import { passThroughs } from '../../components/derived.js';

type Json = Record<string, unknown>;

/** The description of the pass-through values at a spec path (its free-form and replaceable maps). */
const described = (specPath: string) => passThroughs().find((p) => `spec.${p.at.join('.')}` === specPath);

/** One chart's default values (values.yaml), its values.schema.json if it ships one, and its subcharts. */
export interface ChartDefaults {
  dir: string;
  name: string;
  version: string;
  values: Json;
  schema?: Json;
  subcharts: string[];
}

/**
 * The pinned charts' defaults, read in place from <upstream>/charts/<chart>/ (the same folder as the CRD
 * schemas: --schemas, $TRACESTACK_SCHEMAS, or ../shared/upstream). A chart is found by the name and version in its
 * Chart.yaml; a chart whose Chart.yaml carries a development placeholder version (istio's 1.0.0, cert-manager's
 * v0.0.0) stands for any version of that chart.
 */
export class ChartValues {
  private index?: Array<{ dir: string; name: string; version: string }>;
  private loaded = new Map<string, ChartDefaults | undefined>();

  constructor(readonly chartsDir: string) {}

  /** The charts folder of an upstream folder, if it has one. */
  static at(upstreamDir: string | undefined): ChartValues | undefined {
    return upstreamDir && existsSync(join(upstreamDir, 'charts')) ? new ChartValues(join(upstreamDir, 'charts')) : undefined;
  }

  charts(): Array<{ dir: string; name: string; version: string }> {
    if (!this.index) {
      this.index = [];
      for (const d of readdirSync(this.chartsDir, { withFileTypes: true })) {
        const file = join(this.chartsDir, d.name, 'Chart.yaml');
        if (!d.isDirectory() || !existsSync(file) || !existsSync(join(this.chartsDir, d.name, 'values.yaml'))) continue;
        const c = parse(readFileSync(file, 'utf8')) as Json;
        this.index.push({ dir: d.name, name: String(c.name), version: String(c.version) });
      }
      this.index.sort((a, b) => a.dir.localeCompare(b.dir));
    }
    return this.index;
  }

  lookup(chart: ChartRef): ChartDefaults | undefined {
    const key = `${chart.chart}@${chart.version}`;
    if (this.loaded.has(key)) return this.loaded.get(key);
    const named = this.charts().filter((c) => c.name === chart.chart);
    const hit = named.find((c) => c.version === chart.version) ?? named.find((c) => /^v?(0\.0\.0|1\.0\.0)$/.test(c.version));
    let found: ChartDefaults | undefined;
    if (hit) {
      const dir = join(this.chartsDir, hit.dir);
      const raw = (parse(readFileSync(join(dir, 'values.yaml'), 'utf8')) ?? {}) as Json;
      // Istio's charts keep their defaults under _internal_defaults_do_not_set
      const { _internal_defaults_do_not_set: internal, ...rest } = raw;
      const values = isPlainObject(internal) ? deepMerge(internal, rest) : raw;
      const chartYaml = parse(readFileSync(join(dir, 'Chart.yaml'), 'utf8')) as Json;
      const subcharts = ((chartYaml.dependencies as Json[] | undefined) ?? []).map((d) => String(d.alias ?? d.name));
      const schemaFile = join(dir, 'values.schema.json');
      const schema = existsSync(schemaFile) ? (JSON.parse(readFileSync(schemaFile, 'utf8')) as Json) : undefined;
      found = { dir, name: hit.name, version: hit.version, values, schema, subcharts };
    }
    this.loaded.set(key, found);
    return found;
  }
}

const escape = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
const pointerOf = (specPath: string, segs: string[]) => '/' + [...specPath.split('.'), ...segs].map(escape).join('/');
const get = (v: unknown, segs: readonly string[]) => segs.reduce<unknown>((o, k) => (isPlainObject(o) ? o[k] : undefined), v);
const matches = (pattern: readonly string[], segs: string[]) => pattern.length === segs.length && pattern.every((x, i) => x === '*' || x === segs[i]);

/** Leaves of a user's values map: maps are walked, lists, scalars and empty maps are leaves. */
function leaves(v: unknown, segs: string[] = [], out: string[][] = []): string[][] {
  if (isPlainObject(v) && Object.keys(v).length) for (const [k, x] of Object.entries(v)) leaves(x, [...segs, k], out);
  else if (segs.length) out.push(segs);
  return out;
}

/** The spec with every pass-through map emptied: what tracestack renders on its own. */
function withoutPassThrough(env: Environment, paths: string[]): Environment {
  const copy = clone(env) as unknown as Json;
  for (const p of paths) {
    const segs = p.split('.');
    const parent = get(copy, segs.slice(0, -1));
    if (isPlainObject(parent) && segs[segs.length - 1] in parent) parent[segs[segs.length - 1]] = {};
  }
  return copy as unknown as Environment;
}

/** Other values a spec field could take, to see which rendered values follow it. */
function variants(v: unknown): unknown[] {
  if (typeof v === 'boolean') return [!v];
  if (typeof v === 'number') return [...new Set([v + 1, v + 5, 1, 0])].filter((x) => x !== v);
  if (typeof v === 'string') {
    const m = /\d+/.exec(v);
    return [...(m ? [v.slice(0, m.index) + String(Number(m[0]) + 1) + v.slice(m.index + m[0].length)] : []), `${v}x`];
  }
  if (Array.isArray(v)) return v.length ? [[], v.slice(0, -1)] : [];
  return [];
}

/** Leaf fields of the resolved spec (dotted paths from spec), outside the pass-through maps. */
function specLeaves(v: unknown, path: string, skip: Set<string>, out: Array<[string, unknown]> = []): Array<[string, unknown]> {
  if (skip.has(path)) return out;
  if (isPlainObject(v)) for (const [k, x] of Object.entries(v)) specLeaves(x, `${path}.${k}`, skip, out);
  else out.push([path, v]);
  return out;
}

/**
 * For each rendered value path asked about (key: unit id and path joined by NUL), the spec fields that produce it: a field is a source when giving it
 * another value changes the rendered value (to another value, not away). Found by rendering, so it holds for
 * every component without a list per chart; only run for the paths a pass-through actually sets.
 */
export interface SpecSource {
  /** The spec field, e.g. spec.tempo.replicas.ingester. */
  field: string;
  /** The rendered value is the field's value itself (not derived from it). */
  copied: boolean;
}

export function specSources(env: Environment, asked: Array<{ unit: string; segs: string[] }>): Map<string, SpecSource[]> {
  const firstUnits = unitsFor(env).filter((u): u is HelmUnit => u.kind === 'helm');
  const passPaths = firstUnits.map((u) => u.passThrough).filter((p): p is string => !!p);
  const base = withoutPassThrough(env, passPaths);
  const valuesOf = (e: Environment) => new Map(unitsFor(e).filter((u): u is HelmUnit => u.kind === 'helm').map((u) => [u.id, u.values]));
  const before = valuesOf(base);
  const key = (a: { unit: string; segs: string[] }) => `${a.unit}\0${a.segs.join('\0')}`;
  const out = new Map<string, string[]>(asked.map((a) => [key(a), []]));
  // whether the rendered value is the field's value itself, for every value tried
  const copies = new Map<string, boolean>();
  const skip = new Set([...passPaths, 'spec.chartVersions']);
  for (const [path, value] of specLeaves((base as unknown as Json).spec, 'spec', skip)) {
    for (const alt of variants(value)) {
      const changed = clone(base) as unknown as Json;
      const segs = path.split('.');
      (get(changed, segs.slice(0, -1)) as Json)[segs[segs.length - 1]] = alt;
      let after: Map<string, Record<string, unknown>>;
      try {
        after = valuesOf(changed as unknown as Environment);
      } catch {
        continue; // a value the components cannot render: says nothing
      }
      for (const a of asked) {
        const was = get(before.get(a.unit), a.segs);
        const now = get(after.get(a.unit), a.segs);
        const sources = out.get(key(a))!;
        if (now !== undefined && JSON.stringify(was) !== JSON.stringify(now)) {
          if (!sources.includes(path)) sources.push(path);
          const k = `${key(a)}\0${path}`;
          copies.set(k, (copies.get(k) ?? JSON.stringify(was) === JSON.stringify(value)) && JSON.stringify(now) === JSON.stringify(alt));
        }
      }
    }
  }
  return new Map([...out].map(([k, fields]) => [k, fields.map((field) => ({ field, copied: copies.get(`${k}\0${field}`) === true }))]));
}

/** Where a chart's known keys end: undefined when the key is fine (known or open), else the unknown key. */
function unknownKey(segs: string[], chart: ChartDefaults, rendered: unknown, freeForm: ReadonlyArray<readonly string[]>): { index: number; known: string[] } | undefined {
  const open = [...freeForm, ...chart.subcharts.map((c) => [c])];
  const root = chart.schema;
  const resolve = (s: unknown): Json | undefined => {
    let node = isPlainObject(s) ? s : undefined;
    for (let i = 0; node && typeof node.$ref === 'string' && node.$ref.startsWith('#/') && i < 20; i++) {
      node = get(root, (node.$ref as string).slice(2).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))) as Json | undefined;
    }
    return node;
  };
  let d: unknown = chart.values;
  let r: unknown = rendered;
  let s = resolve(root);
  for (let i = 0; i < segs.length; i++) {
    if (open.some((p) => matches(p, segs.slice(0, i + 1)))) return undefined; // the key is a free-form map (or subchart)
    const props = isPlainObject(s?.properties) ? s!.properties : undefined;
    const additional = s?.additionalProperties;
    // the schema leaves this map open (any key, or a map of some type)
    if (s && (additional === true || isPlainObject(additional) || s.patternProperties || (s.type === 'object' && !props && additional !== false))) return undefined;
    if (!isPlainObject(d) && !isPlainObject(r) && !props) return undefined; // a list, a scalar or null: nothing to judge
    if (isPlainObject(d) && !Object.keys(d).length && additional !== false && !props) return undefined; // a free-form {} map
    const known = new Set([...(isPlainObject(d) ? Object.keys(d) : []), ...(isPlainObject(r) ? Object.keys(r) : []), ...(props ? Object.keys(props) : [])]);
    if (!known.has(segs[i])) return { index: i, known: [...known] };
    d = isPlainObject(d) ? d[segs[i]] : undefined;
    r = isPlainObject(r) ? r[segs[i]] : undefined;
    s = props ? resolve(props[segs[i]]) : undefined;
  }
  return undefined;
}

const showValue = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * Pass-through `values` checked against what tracestack renders and, when the upstream charts are at hand, against
 * the pinned chart: a key that overrides a value tracestack renders from a spec field is an error naming the field
 * to set instead; a key the chart does not have is a warning with did-you-mean. Runs on a schema-valid environment.
 */
export function checkPassThrough(loaded: LoadedEnvironment, env: Environment, charts?: ChartValues, rendered0: Unit[] = unitsFor(env)): Diagnostic[] {
  const out: Diagnostic[] = [];
  const units = rendered0.filter((u): u is HelmUnit => u.kind === 'helm' && !!u.passThrough);
  const user = units
    .map((u) => ({ unit: u, values: get((env as unknown as Json), u.passThrough!.split('.')) }))
    .filter((x) => isPlainObject(x.values) && Object.keys(x.values).length);
  if (!user.length) return out;
  const base = withoutPassThrough(env, units.map((u) => u.passThrough!));
  const rendered = new Map(unitsFor(base).filter((u): u is HelmUnit => u.kind === 'helm').map((u) => [u.id, u.values]));

  // 1. overrides of values tracestack renders (only those a spec field feeds: constants may be replaced)
  const collisions: Array<{ unit: HelmUnit; segs: string[]; value: unknown }> = [];
  for (const { unit, values } of user) {
    for (const segs of leaves(values)) {
      if ((described(unit.passThrough!)?.replaceable ?? []).some((p) => matches(p, segs))) continue;
      if (get(rendered.get(unit.id), segs) !== undefined) collisions.push({ unit, segs, value: get(values, segs) });
    }
  }
  if (collisions.length) {
    const sources = specSources(env, collisions.map((c) => ({ unit: c.unit.id, segs: c.segs })));
    for (const c of collisions) {
      const found = sources.get(`${c.unit.id}\0${c.segs.join('\0')}`) ?? [];
      if (!found.length) continue;
      const from = found.map((f) => f.field);
      const pointer = pointerOf(c.unit.passThrough!, c.segs);
      const userPath = `${c.unit.passThrough}.${c.segs.join('.')}`;
      const copied = found.length === 1 && found[0].copied;
      out.push({
        ...loaded.locate(pointer, true),
        path: userPath,
        code: 'overrides-spec',
        message: `overrides ${c.segs.join('.')}, which tracestack renders from ${from.join(', ')}; the pass-through value would win over the spec and what tracestack derives from it`,
        suggestion: copied && (typeof c.value !== 'object' || c.value === null)
          ? `Set: ${from[0]}: ${showValue(c.value)}  (and remove ${userPath})`
          : `Remove ${userPath}; set ${from.join(' / ')} instead.`,
        severity: 'error',
      });
    }
  }

  // 2. keys the pinned chart does not have
  if (charts) {
    const reported = new Set<string>();
    for (const { unit, values } of user) {
      const chart = charts.lookup(unit.chart);
      if (!chart) continue;
      for (const segs of leaves(values)) {
        const bad = unknownKey(segs, chart, rendered.get(unit.id), described(unit.passThrough!)?.freeForm ?? []);
        if (!bad) continue;
        const at = segs.slice(0, bad.index + 1);
        const pointer = pointerOf(unit.passThrough!, at);
        if (reported.has(pointer)) continue;
        reported.add(pointer);
        const guess = closest(at[at.length - 1], bad.known);
        const parent = at.length > 1 ? ` under ${at.slice(0, -1).join('.')}` : '';
        out.push({
          ...loaded.locate(pointer, true),
          path: `${unit.passThrough}.${at.join('.')}`,
          code: 'unknown-chart-value',
          message: `the ${chart.name} chart ${unit.chart.version} has no value "${at[at.length - 1]}"${parent} (checked against its default values${chart.schema ? ' and values.schema.json' : ''}); Helm would ignore it`,
          ...(guess ? { suggestion: `did you mean "${guess}"?` } : {}),
          severity: 'warning',
        });
      }
    }
  }
  return out;
}
