import type { KustomizeUnit } from '../components/types.js';
import type { Environment } from '../model.js';
import { baseTeamsEnvironment, baseTempo3Environment } from '../resolve/resolve.js';
import { unitsFor, type Resolved } from '../resolve/units.js';
import { yamlFile } from '../render/yaml.js';
import { renderArgo } from './argocd.js';
import { renderFleet } from './fleet.js';
import { helmfile } from './helmfile.js';
import { kustomization, objectFile, renderOverlay } from './kustomize.js';
import { layout, type FileTree } from './layout.js';

/**
 * Plan: resolved environments in, the output tree out, pure. One environment's files at a time (planEnvironment,
 * so generate can verify and stage each as soon as it is planned), then what the environments share (planShared).
 */

/** The Kustomize bases every environment's overlays patch, and which of them the planned environments used. */
export interface Bases {
  units: Map<string, KustomizeUnit>;
  used: Set<string>;
}

/**
 * Bases by name: the defaults-only environment first; per-team bases from the placeholder team only where the
 * defaults render nothing of that name (so a collector base never carries tenant routing).
 */
export function planBases(base: Environment): Bases {
  const units = new Map<string, KustomizeUnit>();
  // Ambient mode and the Istio gateway edge are off by default: their bases (waypoints, edge-gateway) come from a
  // copy of the defaults with both on.
  const ambient = structuredClone(baseTeamsEnvironment(base));
  ambient.spec.istio.mode = 'ambient';
  ambient.spec.edge = { ...ambient.spec.edge, type: 'istio-gateway' };
  // Tail sampling is off by default: tier 2 and its resolver's Role (collector-sampler, collector-loadbalancing-rbac)
  // take their bases from a copy of the defaults with it on.
  const sampling = structuredClone(base);
  sampling.spec.sampling = { ...sampling.spec.sampling, mode: 'tail' };
  for (const u of [...unitsFor(base), ...unitsFor(baseTeamsEnvironment(base)), ...unitsFor(ambient), ...unitsFor(baseTempo3Environment(base)), ...unitsFor(sampling)]) {
    const name = u.base ?? u.id;
    if (u.kind === 'kustomize' && !units.has(name)) units.set(name, u);
  }
  return { units, used: new Set() };
}

/** One environment's files (out/<env>/...), from its resolved units. Records the bases it uses in `bases.used`. */
export function planEnvironment(r: Resolved, bases: Bases, outPath: string, source: string): FileTree {
  const tree: FileTree = new Map();
  const { env, names, units } = r;
  const envDir = env.metadata.name;
  for (const u of units) {
    if (u.kind === 'helm') tree.set(layout.values(envDir, u.release), yamlFile(source, u.values));
    // a remote unit's manifests stay upstream: only its Application and helmfile release are written
    else if (u.kind === 'kustomize') {
      const baseName = u.base ?? u.id;
      const base = bases.units.get(baseName);
      if (!base) throw new Error(`internal: no base for ${u.id}`);
      bases.used.add(baseName);
      renderOverlay(tree, layout.overlay(envDir, u.id), layout.base(baseName), base, u, source);
    }
  }
  tree.set(layout.helmfile(envDir), yamlFile(source, helmfile(units)));
  renderArgo(tree, env, names, units, outPath, source);
  return tree;
}

/** The files environments share: the fleet ApplicationSet(s) and the bases the environments used. */
export function planShared(bases: Bases, fleet: Environment[], outPath: string, defaultsSource: string): FileTree {
  const tree: FileTree = new Map();
  renderFleet(tree, fleet, outPath);
  for (const id of [...bases.used].sort()) {
    const base = bases.units.get(id)!;
    const files = base.objects.map(objectFile);
    base.objects.forEach((o, i) => tree.set(`${layout.base(id)}/${files[i]}`, yamlFile(defaultsSource, o)));
    tree.set(`${layout.base(id)}/kustomization.yaml`, yamlFile(defaultsSource, kustomization({ resources: files })));
  }
  return tree;
}

/** The kustomization.yaml path of every base an environment may use (for checking references before the bases are written). */
export const baseKustomizations = (bases: Bases) => new Set([...bases.units.keys()].map((id) => `${layout.base(id)}/kustomization.yaml`));

export { LEDGER_PATH, type FileTree } from './layout.js';
