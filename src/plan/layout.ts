import { posix } from 'node:path';

/**
 * The output layout, in one place: plan writes these paths, diff and verify read them back with `ownerOf`.
 *
 *   <env>/helmfile.yaml                      one helmfile per environment
 *   <env>/values/<release>.yaml              one values file per Helm release
 *   <env>/kustomize/<unit>/[<ns>/]kustomization.yaml   overlays (one per target namespace when several)
 *   <env>/argocd/apps/<unit>.yaml            one Application per unit, plus appproject[-<team>].yaml
 *   <env>/argocd/root.yaml                   the app-of-apps root (without an ApplicationSet)
 *   <env>/argocd/argocd-cm-patch.yaml        the Application health check, for an existing Argo CD
 *   base/<name>/                             Kustomize bases shared by every environment
 *   fleet/applicationset-<ns>.yaml           the fleet ApplicationSets
 *   .tracestack/manifest.json                the ledger of the files tracestack owns
 */

/** The virtual output tree: path (relative to the output folder, POSIX) -> file content. */
export type FileTree = Map<string, string>;

export const LEDGER_PATH = '.tracestack/manifest.json';

export const layout = {
  helmfile: (env: string) => `${env}/helmfile.yaml`,
  values: (env: string, release: string) => `${env}/values/${release}.yaml`,
  /** The values file as helmfile (next to it) names it. */
  valuesFromHelmfile: (release: string) => `values/${release}.yaml`,
  overlay: (env: string, unit: string) => `${env}/kustomize/${unit}`,
  /** The overlay folder as helmfile (next to it) names it. */
  overlayFromHelmfile: (unit: string) => `./kustomize/${unit}`,
  base: (name: string) => `base/${name}`,
  argoApps: (env: string) => `${env}/argocd/apps`,
  argoApp: (env: string, unit: string) => `${env}/argocd/apps/${unit}.yaml`,
  argoProject: (env: string) => `${env}/argocd/apps/appproject.yaml`,
  argoTeamProjectFile: (team: string) => `appproject-${team}.yaml`,
  argoRoot: (env: string) => `${env}/argocd/root.yaml`,
  argoCmPatch: (env: string) => `${env}/argocd/argocd-cm-patch.yaml`,
  fleetDir: 'fleet',
  fleetFile: (namespace: string) => `applicationset-${namespace}.yaml`,
  /** A path inside the GitOps repository (what Argo CD reads): the output folder joined with a tree path. */
  inRepo: (outPath: string, treePath: string) => posix.join(outPath, treePath),
} as const;

/** A Helm values file (`<env>/values/<release>.yaml`, also with the output folder in front). */
export const isValuesFile = (file: string) => file.includes('/values/');
export const isHelmfile = (file: string) => file.endsWith('/helmfile.yaml') || file === 'helmfile.yaml';

/** Where a file of the output tree belongs: an environment (or "base"/"fleet") and a component. */
export function ownerOf(file: string): { env: string; component: string } | undefined {
  if (file === LEDGER_PATH) return undefined;
  const parts = file.split('/');
  const [env, area, name] = parts;
  if (env === 'base') return { env: 'base', component: area };
  if (env === layout.fleetDir) return { env: 'fleet', component: 'argocd' };
  if (parts.length === 2) return { env, component: area === 'helmfile.yaml' ? 'helmfile' : area.replace(/\.yaml$/, '') };
  if (area === 'values') return { env, component: name.replace(/\.yaml$/, '') };
  if (area === 'kustomize') return { env, component: name };
  if (area === 'argocd') {
    const id = parts[parts.length - 1].replace(/\.yaml$/, '');
    return { env, component: parts[2] === 'apps' && !['appproject', 'kustomization'].includes(id) ? id : 'argocd' };
  }
  return { env, component: area };
}
