import { components } from '../components/index.js';
import { providedUnits, providerOf } from '../components/derived.js';
import { deriveNames, type Names } from '../components/names.js';
import type { Component, Unit } from '../components/types.js';
import type { Environment } from '../model.js';

/** A component description that contradicts itself or another: a bug in tracestack (or in an extension), never user input. */
export class ComponentError extends Error {
  override name = 'ComponentError';
}

/**
 * The units of an environment, rendered once by every registered component, with their dependencies checked:
 * a unit id must be one its component provides and unique; every need must name a unit some component provides
 * (a misspelt need is an error, not a dropped dependency), that this environment renders, at the same or an
 * earlier wave. helmfile needs on the units that create a unit's namespaces are derived here too.
 */
export function unitsFor(env: Environment, names: Names = deriveNames(env)): Unit[] {
  const owner = new Map<string, Component>();
  const units = components().flatMap((c) =>
    c.units(env, names).map((u) => {
      if (owner.has(u.id)) throw new ComponentError(`components ${owner.get(u.id)!.id} and ${c.id} both render a unit named "${u.id}"`);
      if (providerOf(u.id) !== c) throw new ComponentError(`component ${c.id} renders unit "${u.id}", which is not in its provides (${c.provides.join(', ')})`);
      if (!Object.values(c.waves).includes(u.wave)) throw new ComponentError(`component ${c.id}: unit "${u.id}" is at wave ${u.wave}, which is not one of its declared waves (${JSON.stringify(c.waves)})`);
      owner.set(u.id, c);
      return u;
    }),
  );
  const byId = new Map(units.map((u) => [u.id, u]));
  for (const u of units) {
    for (const need of u.needs) {
      const c = owner.get(u.id)!.id;
      if (!providerOf(need)) throw new ComponentError(`component ${c}: unit "${u.id}" needs "${need}", which no registered component provides (known units: ${providedUnits().join(', ')})`);
      const dep = byId.get(need);
      if (!dep) throw new ComponentError(`component ${c}: unit "${u.id}" needs "${need}", which this environment (${env.metadata.name}) does not render; make the need conditional on what renders "${need}"`);
      if (dep.wave > u.wave) throw new ComponentError(`component ${c}: unit "${u.id}" (wave ${u.wave}) needs "${need}", which syncs later (wave ${dep.wave}); a dependency must sync first`);
    }
  }
  return withNamespaceNeeds(units);
}

/** Namespaces a unit creates: the target namespaces of its Namespace objects (Kustomize renames them per overlay). */
export const createdNamespaces = (u: Unit): string[] => (u.kind === 'kustomize' && u.objects.some((o) => o.kind === 'Namespace') ? u.targetNamespaces : []);

/**
 * helmfile `needs` on the units that create the namespaces a unit writes into, derived rather than written by
 * each component (the Argo CD side is ordered by waves).
 */
function withNamespaceNeeds(units: Unit[]): Unit[] {
  const creator = new Map(units.flatMap((u) => createdNamespaces(u).map((ns) => [ns, u.id] as const)));
  return units.map((u) => {
    const writes = u.kind === 'kustomize' ? [u.namespace, ...u.targetNamespaces] : [u.namespace];
    const extra = writes.map((ns) => creator.get(ns)).filter((id): id is string => id !== undefined && id !== u.id && !u.needs.includes(id));
    return extra.length ? { ...u, needs: [...u.needs, ...new Set(extra)] } : u;
  });
}

/** An environment resolved once: its names and units, which every later stage reads (never derives again). */
export interface Resolved {
  env: Environment;
  names: Names;
  units: Unit[];
}

export function resolveEnvironment(env: Environment): Resolved {
  const names = deriveNames(env);
  return { env, names, units: unitsFor(env, names) };
}
