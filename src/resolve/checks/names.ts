import type { Diagnostic, SourcePosition } from '../../diagnostics.js';
import type { LoadedEnvironment } from '../../load/environments.js';
import type { Environment } from '../../model.js';
import { unitsFor } from '../units.js';
import { deriveNames, type Names } from '../../components/names.js';
import type { Unit } from '../../components/types.js';
import { pointerToPath } from '../../validate/schema.js';

/**
 * Names that collide. Three kinds:
 * - an environment name is a folder at the top of out/: it must not be one of the folders every environment shares
 *   (base/, fleet/) or tracestack's own (.tracestack/; a leading dot is already refused by the name pattern);
 * - Argo CD's built-in AppProject `default` must not be rendered (it would overwrite the project every
 *   unconfigured Application and tracestack's own root apps use);
 * - Argo CD names are global in an Argo CD namespace: AppProjects (environment and team projects) and Applications
 *   (<env>-<unit>, <env>-root) of every environment that shares spec.argocd.namespace must differ. These can only be
 *   seen with all environments loaded (fleetCollisions), and are reported in both files.
 */

/** Folders tracestack writes at the top of out/ (besides one per environment). */
export const RESERVED_ENVIRONMENT_NAMES = ['base', 'fleet', 'tracestack'] as const;
const ARGO_BUILTIN_PROJECT = 'default';

/** Reserved names inside one environment: out/ folders and Argo CD's built-in project. */
export function reservedNames(loaded: LoadedEnvironment, env: Environment): Diagnostic[] {
  const out: Diagnostic[] = [];
  const at = (pointer: string, code: string, message: string, suggestion: string) => out.push({ ...loaded.locate(pointer), path: pointerToPath(pointer), code, message, suggestion, severity: 'error' });
  const name = env.metadata.name;
  if ((RESERVED_ENVIRONMENT_NAMES as readonly string[]).includes(name)) {
    at('/metadata/name', 'reserved-name', `"${name}" is reserved: out/${name}/ is ${name === 'base' ? 'the Kustomize bases every environment patches' : name === 'fleet' ? 'the fleet ApplicationSets' : "tracestack's own folder"}, shared by all environments`, `Rename the environment (file and metadata.name), e.g. ${name}-env.`);
  }
  if (env.spec.argocd.project === ARGO_BUILTIN_PROJECT) {
    at('/spec/argocd/project', 'reserved-name', `"default" is Argo CD's built-in AppProject; rendering it would overwrite the project every other Application (and tracestack's root apps) rely on`, `Set: spec.argocd.project: tracestack-${name}  (or remove it)`);
  }
  return out;
}

/** One Argo CD object name an environment renders, and the field it comes from. */
export interface ArgoName {
  namespace: string;
  kind: 'AppProject' | 'Application';
  name: string;
  env: string;
  at: SourcePosition;
  path: string;
}

/** The Argo CD names an environment renders, each with the field that decides it. */
export function argoNames(loaded: LoadedEnvironment, env: Environment, names: Names = deriveNames(env), units: Unit[] = unitsFor(env, names)): ArgoName[] {
  const ns = env.spec.argocd.namespace;
  const out: ArgoName[] = [];
  const add = (kind: ArgoName['kind'], name: string, pointer: string) => out.push({ namespace: ns, kind, name, env: env.metadata.name, at: loaded.locate(pointer), path: pointerToPath(pointer) });
  const projectField = env.spec.argocd.project !== undefined ? '/spec/argocd/project' : '/metadata/name';
  add('AppProject', names.argoProject, projectField);
  const teamIndex = new Map((env.spec.teams ?? []).map((t, i) => [t.name, i]));
  for (const [team, i] of teamIndex) add('AppProject', names.tenancy!.teamProject(team), `/spec/teams/${i}/name`);
  for (const u of units) {
    if (u.kind !== 'kustomize' && !u.argocd) continue;
    const team = [...teamIndex].find(([t]) => u.id.startsWith(`team-${t}`) && [names.tenancy!.teamUnit(t), names.tenancy!.teamNamespacesUnit(t), names.tenancy!.teamSamplingUnit(t)].includes(u.id));
    add('Application', names.appName(u.id), team ? `/spec/teams/${team[1]}/name` : '/metadata/name');
  }
  // root.yaml, or the Application the fleet ApplicationSet generates for this environment: the same name
  add('Application', names.appName('root'), '/metadata/name');
  return out;
}

/**
 * Collisions across environments: two environments rendering an AppProject or Application of the same name into
 * the same Argo CD namespace. Each is reported at the field that makes the name, in both files.
 */
export function fleetCollisions(all: ArgoName[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Map<string, ArgoName>();
  for (const n of all) {
    const key = `${n.namespace}\0${n.kind}\0${n.name}`;
    const first = seen.get(key);
    if (!first) {
      seen.set(key, n);
      continue;
    }
    if (first.env === n.env) continue; // one environment's own names are checked where they are made
    const where = (a: ArgoName) => `${a.at.file}:${a.at.line}:${a.at.column} (${a.path}, environment ${a.env})`;
    const message = (other: ArgoName) => `${n.kind} "${n.name}" in Argo CD namespace "${n.namespace}" is also rendered by ${where(other)}; Argo CD names are global in their namespace, so one would overwrite the other`;
    const fix = n.kind === 'AppProject' ? 'Rename the environment or the team, or set spec.argocd.project to a unique name.' : 'Rename the environment or the team so that <environment>-<component> names differ (or use a different spec.argocd.namespace).';
    out.push({ ...first.at, path: first.path, code: 'argocd-name-collision', message: message(n), suggestion: fix, severity: 'error' });
    out.push({ ...n.at, path: n.path, code: 'argocd-name-collision', message: message(first), suggestion: fix, severity: 'error' });
  }
  return out;
}
