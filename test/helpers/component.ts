import { parse, stringify } from 'yaml';
import { readInputs } from '../../src/cli/io.js';
import { providerOf } from '../../src/components/derived.js';
import type { Names } from '../../src/components/names.js';
import type { HelmUnit, K8sObject, KustomizeUnit, Unit } from '../../src/components/types.js';
import type { Diagnostic } from '../../src/diagnostics.js';
import type { Environment } from '../../src/model.js';
import { behaviourInputs, type Inputs } from '../../src/pipeline.js';
import { REPO } from './repo.js';

/** The committed examples a component test may start from (environments/<name>.yaml, over _defaults.yaml). */
export type Example = 'prod' | 'prod-tempo2' | 'teams-demo' | 'dev' | 'staging';

/**
 * prod as it was on Tempo 2, before its migration to Tempo 3 (environments/prod.yaml now ends at phase done): the
 * default start of a component test, a production-sized 2.x environment.
 */
const PROD_ON_TEMPO2: SpecPatch = { tempo: { version: null, migration: null, kafka: null, replicas: { backendWorker: null, ingester: 3 } } };

/**
 * A deep-merge patch for an environment's spec: maps merge key by key, lists and scalars replace, and `null`
 * removes the key from the example (so the defaults layer or the schema default applies again).
 */
export type SpecPatch = Record<string, unknown>;

export interface RenderedComponent {
  /** The environment after defaults, validation (schema defaults filled in) and resolve; undefined when invalid. */
  env?: Environment;
  names?: Names;
  /** The units the component rendered for this environment, in render order (empty when disabled or invalid). */
  units: Unit[];
  /** A unit of this component by id; throws (listing what rendered, and any errors) when it is not there. */
  unit<U extends Unit = Unit>(id: string): U;
  /** The Helm values of one of its helm units (what tracestack writes to values/<id>.yaml). */
  values(unitId: string): Record<string, any>;
  /** The objects of one of its kustomize units (the shared base, before an overlay sets the namespace). */
  objects(unitId: string): Array<K8sObject & Record<string, any>>;
  /** Every diagnostic of load, validate and resolve (errors included: an invalid patch never throws). */
  diagnostics: Diagnostic[];
  /** The diagnostics of severity error. */
  errors: Diagnostic[];
}

let cached: Inputs | undefined;
const inputs = (): Inputs => (cached ??= readInputs(REPO));

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep merge where `null` deletes; the inputs are not modified. */
function mergePatch(base: unknown, patch: unknown): unknown {
  if (!isMap(base) || !isMap(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = structuredClone(base);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = k in out ? mergePatch(out[k], v) : structuredClone(v);
  }
  return out;
}

/** The text of an example with `patch` merged into its spec, as the environment file a user would write. */
function patchedExample(patch: SpecPatch = {}, from: Example = 'prod-tempo2'): { path: string; text: string } {
  const name = from === 'prod-tempo2' ? 'prod' : from;
  const file = inputs().environments.find((f) => f.path.replace(/\\/g, '/').endsWith(`environments/${name}.yaml`));
  if (!file) throw new Error(`no example environments/${name}.yaml`);
  const doc = parse(file.text) as { spec: Record<string, unknown> };
  const spec = from === 'prod-tempo2' ? mergePatch(doc.spec, PROD_ON_TEMPO2) : doc.spec;
  return { path: file.path, text: stringify({ ...doc, spec: mergePatch(spec, patch) }) };
}

/**
 * One component through the real pipeline, in memory: an example environment (prod on Tempo 2 unless `from` says otherwise)
 * with `patch` merged into its spec is loaded over _defaults.yaml, validated with the schema defaults, and
 * resolved (names and every registered component's units, with their needs checked). Only `id`'s units are
 * returned; everything the pipeline reports, errors included, is in `diagnostics`.
 */
export function renderComponent(id: string, patch: SpecPatch = {}, from: Example = 'prod-tempo2'): RenderedComponent {
  const { defaults } = inputs();
  const file = patchedExample(patch, from);
  let diagnostics: Diagnostic[];
  let resolved: ReturnType<typeof behaviourInputs>['inputs'][number] | undefined;
  try {
    const r = behaviourInputs({ defaults, environments: [file] });
    diagnostics = r.diagnostics;
    resolved = r.inputs[0];
  } catch (e) {
    // A component that contradicts itself (ComponentError) or crashes on this input: reported, not thrown.
    diagnostics = [{ file: file.path, line: 1, column: 1, path: '', code: 'exception', message: String((e as Error).stack ?? e), severity: 'error' }];
  }
  const units = (resolved?.units ?? []).filter((u) => providerOf(u.id)?.id === id);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const unit = <U extends Unit = Unit>(unitId: string): U => {
    const u = units.find((x) => x.id === unitId);
    if (!u) {
      const why = errors.length ? `; errors: ${errors.map((d) => `${d.path} ${d.code}: ${d.message}`).join('; ')}` : '';
      throw new Error(`component ${id} rendered no unit "${unitId}" (rendered: ${units.map((x) => x.id).join(', ') || 'none'})${why}`);
    }
    return u as U;
  };
  return {
    env: resolved?.env,
    names: resolved?.names,
    units,
    unit,
    values: (unitId) => {
      const u = unit(unitId);
      if (u.kind !== 'helm') throw new Error(`unit "${unitId}" is a ${u.kind} unit, not a helm release`);
      return (u as HelmUnit).values as Record<string, any>;
    },
    objects: (unitId) => {
      const u = unit(unitId);
      if (u.kind !== 'kustomize') throw new Error(`unit "${unitId}" is a ${u.kind} unit, not kustomize`);
      return (u as KustomizeUnit).objects as Array<K8sObject & Record<string, any>>;
    },
    diagnostics,
    errors,
  };
}
