import { APPLICATION_HEALTH_LUA } from '../components/argocd/index.js';
import { teamForbiddenKinds } from '../components/derived.js';
import type { Names } from '../components/names.js';
import type { Unit } from '../components/types.js';
import type { Environment } from '../model.js';
import { yamlFile } from '../render/yaml.js';
import { kustomization } from './kustomize.js';
import { layout, type FileTree } from './layout.js';

export const FINALIZER = 'resources-finalizer.argocd.argoproj.io';

/** The sync options of a unit's Application (every Application creates its destination namespace). */
export function applicationSyncOptions(u: Unit): string[] {
  const options = ['CreateNamespace=true', ...(u.syncOptions ?? [])];
  if (u.ignoreDifferences?.length) options.push('RespectIgnoreDifferences=true');
  return [...new Set(options)].sort();
}

export function renderArgo(tree: FileTree, env: Environment, names: Names, units: Unit[], outPath: string, source: string) {
  const a = env.spec.argocd;
  const envDir = env.metadata.name;
  const destination = (namespace: string) => ({ ...(a.destination.server ? { server: a.destination.server } : { name: a.destination.name }), namespace });
  const syncPolicy = (options: string[], namespaceMetadata?: Unit['namespaceMetadata']) => ({
    ...(a.syncPolicy.automated ? { automated: { prune: a.syncPolicy.prune, selfHeal: a.syncPolicy.selfHeal } } : {}),
    ...(options.length ? { syncOptions: [...new Set(options)].sort() } : {}),
    // Labels/annotations Argo CD applies to the destination namespace, also when it already exists (CreateNamespace=true;
    // argo-cd docs/user-guide/sync-options.md "Namespace Auto-Creation").
    ...(namespaceMetadata ? { managedNamespaceMetadata: namespaceMetadata } : {}),
    retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
  });
  const labels = (component: string) => ({ 'app.kubernetes.io/managed-by': 'tracestack', 'tracestack.dev/environment': envDir, 'tracestack.dev/component': component });

  const argoUnits = units.filter((u) => u.kind === 'kustomize' || u.argocd);
  const namespaces = [...new Set(argoUnits.flatMap((u) => (u.kind === 'kustomize' ? [u.namespace, ...u.targetNamespaces] : [u.namespace])))].sort();
  // the chart repositories and upstream Git repositories this environment's Applications read
  const chartRepos = [...new Set(argoUnits.flatMap((u) => (u.kind === 'helm' ? [u.chart.repoURL] : u.kind === 'remote' ? [u.source.repoURL] : [])))].sort();

  const project = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name: names.argoProject, namespace: a.namespace, labels: labels('project'), annotations: { 'argocd.argoproj.io/sync-wave': '-100' } },
    spec: {
      description: `tracestack tracing stack, environment ${envDir}`,
      sourceRepos: [a.repoURL, ...chartRepos],
      destinations: namespaces.map(destination),
      // Operators and meshes install CRDs, webhooks and cluster roles.
      clusterResourceWhitelist: [{ group: '*', kind: '*' }],
      namespaceResourceWhitelist: [{ group: '*', kind: '*' }],
    },
  };
  tree.set(layout.argoProject(envDir), yamlFile(source, project));
  const teamProjectFiles = renderTeamProjects(tree, env, names, destination, labels, source);

  for (const u of argoUnits) {
    const options = applicationSyncOptions(u);
    const spec: Record<string, unknown> = {
      project: names.argoProject,
      destination: destination(u.namespace),
    };
    if (u.kind === 'helm') {
      spec.sources = [
        {
          repoURL: u.chart.repoURL,
          chart: u.chart.chart,
          targetRevision: u.chart.version,
          helm: { releaseName: u.release, valueFiles: [`$values/${layout.inRepo(outPath, layout.values(envDir, u.release))}`] },
        },
        { repoURL: a.repoURL, targetRevision: a.targetRevision, ref: 'values' },
      ];
    } else if (u.kind === 'remote') {
      // The upstream repository at its release tag, as published (a directory source: argo-cd
      // docs/user-guide/directory.md, non-recursive by default).
      spec.source = { repoURL: u.source.repoURL, targetRevision: u.source.targetRevision, path: u.source.path };
    } else {
      spec.source = { repoURL: a.repoURL, targetRevision: a.targetRevision, path: layout.inRepo(outPath, layout.overlay(envDir, u.id)) };
    }
    spec.syncPolicy = syncPolicy(options, u.namespaceMetadata);
    if (u.ignoreDifferences?.length) spec.ignoreDifferences = u.ignoreDifferences;
    const app = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name: names.appName(u.id),
        namespace: a.namespace,
        labels: labels(u.id),
        annotations: { 'argocd.argoproj.io/sync-wave': String(u.wave) },
        // Not on the Application of shared CRDs: deleting it (gatewayApiCrds switched to existing, the environment
        // removed) must not cascade to the CRDs and with them every Gateway and HTTPRoute in the cluster, the
        // teams' included (argo-cd docs/user-guide/app_deletion.md: the finalizer makes deletion cascade).
        ...(u.kind === 'remote' && u.crds?.length ? {} : { finalizers: [FINALIZER] }),
      },
      spec,
    };
    tree.set(layout.argoApp(envDir, u.id), yamlFile(source, app));
  }

  const root = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: names.appName('root'), namespace: a.namespace, labels: labels('root'), finalizers: [FINALIZER] },
    spec: {
      // The root app creates this environment's AppProject, so it cannot live in it.
      project: 'default',
      source: { repoURL: a.repoURL, targetRevision: a.targetRevision, path: layout.inRepo(outPath, layout.argoApps(envDir)) },
      // Applications live in the Argo CD namespace of the cluster Argo CD runs in.
      destination: { server: 'https://kubernetes.default.svc', namespace: a.namespace },
      syncPolicy: syncPolicy([]),
    },
  };
  if (!a.applicationSet) tree.set(layout.argoRoot(envDir), yamlFile(source, root));
  if (!a.install.enabled) {
    // An existing Argo CD: the Application health check as a merge patch for its argocd-cm, to apply once by hand
    // (kubectl patch configmap argocd-cm -n <ns> --type merge --patch-file <this file>); without it sync waves
    // between Applications do not wait (argo-cd docs/operator-manual/health.md, "Argo CD App" health check).
    tree.set(layout.argoCmPatch(envDir), yamlFile(source, { data: { 'resource.customizations.health.argoproj.io_Application': APPLICATION_HEALTH_LUA } }));
  }
  // An explicit list, so the root app renders exactly these files (and kubectl kustomize can check them).
  const appFiles = ['appproject.yaml', ...teamProjectFiles, ...argoUnits.map((u) => `${u.id}.yaml`)];
  tree.set(`${layout.argoApps(envDir)}/kustomization.yaml`, yamlFile(source, kustomization({ resources: appFiles })));
}

/**
 * One AppProject per team, for the team's own Applications: it may deploy only into the team's namespaces, no
 * cluster-scoped objects, and none of the tracing objects the platform renders there (so a team cannot change
 * its sampling, its auto-instrumentation or its tenant by deploying them itself). Returns the file names.
 */
function renderTeamProjects(
  tree: FileTree,
  env: Environment,
  names: Names,
  destination: (namespace: string) => Record<string, string | undefined>,
  labels: (component: string) => Record<string, string>,
  source: string,
): string[] {
  const tenancy = names.tenancy;
  if (!tenancy) return [];
  const files: string[] = [];
  for (const team of env.spec.teams) {
    const project = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: {
        name: tenancy.teamProject(team.name),
        namespace: env.spec.argocd.namespace,
        labels: { ...labels('team-project'), 'tracestack.dev/team': team.name },
        annotations: { 'argocd.argoproj.io/sync-wave': '-100' },
      },
      spec: {
        description: `Applications of team ${team.name}, environment ${env.metadata.name}: only the team's namespaces`,
        // Only the team's own repositories (default: this GitOps repository), never '*'.
        sourceRepos: team.sourceRepos ?? [env.spec.argocd.repoURL],
        destinations: [...team.namespaces].sort().map(destination),
        clusterResourceWhitelist: [],
        // every kind a component renders into team namespaces (its description's teamForbiddenKinds)
        namespaceResourceBlacklist: teamForbiddenKinds().map((k) => ({ group: k.group, kind: k.kind })),
      },
    };
    const file = layout.argoTeamProjectFile(team.name);
    tree.set(`${layout.argoApps(env.metadata.name)}/${file}`, yamlFile(source, project));
    files.push(file);
  }
  return files;
}
