import { posix } from 'node:path';
import { COMPONENTS } from '../components/index.js';
import type { HelmUnit, K8sObject, KustomizeUnit, Unit } from '../components/types.js';
import type { Environment } from '../model.js';
import { deriveNames, type Names } from '../components/names.js';
import { baseTeamsEnvironment } from '../resolve/resolve.js';
import { toYaml, yamlFile } from '../render/yaml.js';
import { mergePatch } from './patch.js';
import { APPLICATION_HEALTH_LUA } from '../components/argocd/index.js';

/** The virtual output tree: path (relative to the output folder, POSIX) -> file content. */
export type FileTree = Map<string, string>;

export interface PlanInput {
  environments: Environment[];
  /** The defaults-only environment that Kustomize bases are rendered from. */
  base: Environment;
  /** Output folder as a path from the repository root (what Argo CD sees), e.g. "out". */
  outPath: string;
  /** Source file per environment name, for headers. */
  sources: Record<string, string>;
  defaultsSource: string;
  /** Every valid environment, for the fleet ApplicationSet (which lists all of them even when --env selects some). */
  fleet?: Environment[];
}

export const LEDGER_PATH = '.tracestack/manifest.json';

export function unitsFor(env: Environment, names: Names = deriveNames(env)): Unit[] {
  const units = COMPONENTS.flatMap((c) => c.units(env, names));
  const ids = new Set<string>();
  for (const u of units) {
    if (ids.has(u.id)) throw new Error(`internal: two units named ${u.id}`);
    ids.add(u.id);
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

/** The sync options of a unit's Application (every Application creates its destination namespace). */
export function applicationSyncOptions(u: Unit): string[] {
  const options = ['CreateNamespace=true', ...(u.syncOptions ?? [])];
  if (u.ignoreDifferences?.length) options.push('RespectIgnoreDifferences=true');
  return [...new Set(options)].sort();
}

const objectFile = (o: K8sObject) => `${o.kind.toLowerCase()}-${o.metadata.name}.yaml`;
const groupVersion = (apiVersion: string) => {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return { group, version };
};
const kustomization = (extra: Record<string, unknown>) => ({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', ...extra });

/** Pure: resolved environments in, complete output tree out. */
export function plan(input: PlanInput): FileTree {
  const bases = planBases(input.base);
  const tree: FileTree = new Map();
  for (const env of input.environments) for (const entry of planEnvironment(env, bases, input.outPath, input.sources[env.metadata.name])) tree.set(...entry);
  for (const entry of planShared(bases, input.fleet ?? input.environments, input.outPath, input.defaultsSource)) tree.set(...entry);
  return tree;
}

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
  for (const u of [...unitsFor(base), ...unitsFor(baseTeamsEnvironment(base))]) {
    const name = u.base ?? u.id;
    if (u.kind === 'kustomize' && !units.has(name)) units.set(name, u);
  }
  return { units, used: new Set() };
}

/** Pure: one environment's files (out/<env>/...). Records the bases it uses in `bases.used`. */
export function planEnvironment(env: Environment, bases: Bases, outPath: string, source: string, planned?: Unit[]): FileTree {
  const tree: FileTree = new Map();
  const names = deriveNames(env);
  const units = planned ?? unitsFor(env, names);
  const envDir = env.metadata.name;
  for (const u of units) {
    if (u.kind === 'helm') tree.set(`${envDir}/values/${u.release}.yaml`, yamlFile(source, u.values));
    else {
      const baseName = u.base ?? u.id;
      const base = bases.units.get(baseName);
      if (!base) throw new Error(`internal: no base for ${u.id}`);
      bases.used.add(baseName);
      renderOverlay(tree, `${envDir}/kustomize/${u.id}`, `base/${baseName}`, base, u, source);
    }
  }
  tree.set(`${envDir}/helmfile.yaml`, yamlFile(source, helmfile(units)));
  renderArgo(tree, env, names, units, outPath, source);
  return tree;
}

/** Pure: the files environments share: the fleet ApplicationSet(s) and the bases the environments used. */
export function planShared(bases: Bases, fleet: Environment[], outPath: string, defaultsSource: string): FileTree {
  const tree: FileTree = new Map();
  renderFleet(tree, fleet, outPath);
  for (const id of [...bases.used].sort()) {
    const base = bases.units.get(id)!;
    const files = base.objects.map(objectFile);
    base.objects.forEach((o, i) => tree.set(`base/${id}/${files[i]}`, yamlFile(defaultsSource, o)));
    tree.set(`base/${id}/kustomization.yaml`, yamlFile(defaultsSource, kustomization({ resources: files })));
  }
  return tree;
}

/** The kustomization.yaml path of every base an environment may use (for checking references before the bases are written). */
export const baseKustomizations = (bases: Bases) => new Set([...bases.units.keys()].map((id) => `base/${id}/kustomization.yaml`));

/** Overlay(s) for one Kustomize unit: namespace + only what differs from the base, as merge patches. */
function renderOverlay(tree: FileTree, dir: string, baseDir: string, base: KustomizeUnit, unit: KustomizeUnit, source: string) {
  const patches: Array<Record<string, unknown>> = [];
  unit.objects.forEach((obj, i) => {
    const from = base.objects[i];
    if (!from || from.kind !== obj.kind || from.apiVersion !== obj.apiVersion) throw new Error(`internal: base and overlay of ${unit.id} disagree`);
    const diff = mergePatch(from, obj) as Record<string, unknown> | undefined;
    if (!diff) return;
    const renamed = from.metadata.name !== obj.metadata.name;
    const { metadata: _m, ...rest } = diff;
    const body = { apiVersion: obj.apiVersion, kind: obj.kind, metadata: { ...((_m as object) ?? {}), name: obj.metadata.name }, ...rest };
    patches.push({
      target: { ...groupVersion(obj.apiVersion), kind: obj.kind, name: from.metadata.name },
      ...(renamed ? { options: { allowNameChange: true } } : {}),
      patch: toYaml(body),
    });
  });
  const overlay = (ns: string, depth: number) =>
    kustomization({
      namespace: ns,
      resources: [posix.join(...Array(depth).fill('..'), baseDir)],
      ...(patches.length ? { patches } : {}),
    });
  const depth = dir.split('/').length;
  if (unit.targetNamespaces.length === 1) {
    tree.set(`${dir}/kustomization.yaml`, yamlFile(source, overlay(unit.targetNamespaces[0], depth)));
  } else {
    for (const ns of unit.targetNamespaces) tree.set(`${dir}/${ns}/kustomization.yaml`, yamlFile(source, overlay(ns, depth + 1)));
    tree.set(`${dir}/kustomization.yaml`, yamlFile(source, kustomization({ resources: unit.targetNamespaces.map((ns) => `${ns}`) })));
  }
}

function helmfile(units: Unit[]) {
  const byId = new Map(units.map((u) => [u.id, u]));
  const releaseName = (u: Unit) => (u.kind === 'helm' ? u.release : u.id);
  const needs = (u: Unit) =>
    u.needs
      .map((id) => byId.get(id))
      .filter((d): d is Unit => d !== undefined)
      .map((d) => `${d.namespace}/${releaseName(d)}`);
  const helmUnits = units.filter((u): u is HelmUnit => u.kind === 'helm');
  const repos = [...new Map(helmUnits.map((u) => [u.chart.repo, u.chart.repoURL])).entries()].sort(([a], [b]) => a.localeCompare(b));
  const ordered = [...units].sort((a, b) => a.wave - b.wave || a.id.localeCompare(b.id));
  return {
    repositories: repos.map(([name, url]) => ({ name, url })),
    helmDefaults: { wait: true, timeout: 600, createNamespace: true },
    releases: ordered.map((u) => ({
      name: releaseName(u),
      namespace: u.namespace,
      ...(u.kind === 'helm'
        ? { chart: `${u.chart.repo}/${u.chart.chart}`, version: u.chart.version }
        : { chart: `./kustomize/${u.id}` }),
      labels: { component: u.id, tier: u.kind === 'helm' && !u.argocd ? 'bootstrap' : 'platform' },
      ...(needs(u).length ? { needs: needs(u) } : {}),
      ...(u.kind === 'helm' ? { values: [`values/${u.release}.yaml`] } : {}),
      ...(u.namespaceMetadata ? { hooks: namespaceHooks(u.namespace, u.namespaceMetadata) } : {}),
    })),
  };
}

/** helmfile presync hooks that label/annotate an existing namespace (what Argo CD's managedNamespaceMetadata does). */
function namespaceHooks(namespace: string, meta: NonNullable<Unit['namespaceMetadata']>) {
  const kv = (m: Record<string, string> = {}) => Object.entries(m).map(([k, v]) => `${k}=${v}`);
  return (
    [
      ['label', kv(meta.labels)],
      ['annotate', kv(meta.annotations)],
    ] as const
  )
    .filter(([, pairs]) => pairs.length)
    .map(([verb, pairs]) => ({ events: ['presync'], showlogs: true, command: 'kubectl', args: [verb, '--overwrite', 'namespace', namespace, ...pairs] }));
}

const FINALIZER = 'resources-finalizer.argocd.argoproj.io';

function renderArgo(tree: FileTree, env: Environment, names: Names, units: Unit[], outPath: string, source: string) {
  const a = env.spec.argocd;
  const envDir = env.metadata.name;
  const repoPath = (p: string) => posix.join(outPath, envDir, p);
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
  const chartRepos = [...new Set(argoUnits.flatMap((u) => (u.kind === 'helm' ? [u.chart.repoURL] : [])))].sort();

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
  tree.set(`${envDir}/argocd/apps/appproject.yaml`, yamlFile(source, project));
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
          helm: { releaseName: u.release, valueFiles: [`$values/${repoPath(`values/${u.release}.yaml`)}`] },
        },
        { repoURL: a.repoURL, targetRevision: a.targetRevision, ref: 'values' },
      ];
    } else {
      spec.source = { repoURL: a.repoURL, targetRevision: a.targetRevision, path: repoPath(`kustomize/${u.id}`) };
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
        finalizers: [FINALIZER],
      },
      spec,
    };
    tree.set(`${envDir}/argocd/apps/${u.id}.yaml`, yamlFile(source, app));
  }

  const root = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: names.appName('root'), namespace: a.namespace, labels: labels('root'), finalizers: [FINALIZER] },
    spec: {
      // The root app creates this environment's AppProject, so it cannot live in it.
      project: 'default',
      source: { repoURL: a.repoURL, targetRevision: a.targetRevision, path: repoPath('argocd/apps') },
      // Applications live in the Argo CD namespace of the cluster Argo CD runs in.
      destination: { server: 'https://kubernetes.default.svc', namespace: a.namespace },
      syncPolicy: syncPolicy([]),
    },
  };
  if (!a.applicationSet) tree.set(`${envDir}/argocd/root.yaml`, yamlFile(source, root));
  if (!a.install.enabled) {
    // An existing Argo CD: the Application health check as a merge patch for its argocd-cm, to apply once by hand
    // (kubectl patch configmap argocd-cm -n <ns> --type merge --patch-file <this file>); without it sync waves
    // between Applications do not wait (argo-cd docs/operator-manual/health.md, "Argo CD App" health check).
    tree.set(`${envDir}/argocd/argocd-cm-patch.yaml`, yamlFile(source, { data: { 'resource.customizations.health.argoproj.io_Application': APPLICATION_HEALTH_LUA } }));
  }
  // An explicit list, so the root app renders exactly these files (and kubectl kustomize can check them).
  const appFiles = ['appproject.yaml', ...teamProjectFiles, ...argoUnits.map((u) => `${u.id}.yaml`)];
  tree.set(`${envDir}/argocd/apps/kustomization.yaml`, yamlFile(source, kustomization({ resources: appFiles })));
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
        namespaceResourceBlacklist: [
          { group: 'opentelemetry.io', kind: 'Instrumentation' },
          { group: 'opentelemetry.io', kind: 'OpenTelemetryCollector' },
          { group: 'telemetry.istio.io', kind: 'Telemetry' },
        ],
      },
    };
    const file = `appproject-${team.name}.yaml`;
    tree.set(`${env.metadata.name}/argocd/apps/${file}`, yamlFile(source, project));
    files.push(file);
  }
  return files;
}

/**
 * Fleets: one ApplicationSet per Argo CD namespace, listing every environment that opted in
 * (spec.argocd.applicationSet). Each element generates that environment's root app, the same Application that
 * out/<env>/argocd/root.yaml would be. goTemplate with missingkey=error, so a missing parameter fails loudly.
 */
function renderFleet(tree: FileTree, environments: Environment[], outPath: string) {
  const fleet = environments.filter((e) => e.spec.argocd.applicationSet).sort((x, y) => x.metadata.name.localeCompare(y.metadata.name));
  if (!fleet.length) return;
  const byNamespace = new Map<string, Environment[]>();
  for (const e of fleet) byNamespace.set(e.spec.argocd.namespace, [...(byNamespace.get(e.spec.argocd.namespace) ?? []), e]);
  const files: string[] = [];
  const source = 'the environments with spec.argocd.applicationSet';
  for (const [namespace, envs] of [...byNamespace].sort(([x], [y]) => x.localeCompare(y))) {
    const appSet = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'ApplicationSet',
      metadata: { name: 'tracestack-fleet', namespace, labels: { 'app.kubernetes.io/managed-by': 'tracestack' } },
      spec: {
        goTemplate: true,
        goTemplateOptions: ['missingkey=error'],
        generators: [
          {
            list: {
              elements: envs.map((e) => ({
                env: e.metadata.name,
                repoURL: e.spec.argocd.repoURL,
                targetRevision: e.spec.argocd.targetRevision,
                path: posix.join(outPath, e.metadata.name, 'argocd/apps'),
                automated: String(e.spec.argocd.syncPolicy.automated),
                prune: String(e.spec.argocd.syncPolicy.prune),
                selfHeal: String(e.spec.argocd.syncPolicy.selfHeal),
              })),
            },
          },
        ],
        template: {
          metadata: {
            name: '{{.env}}-root',
            labels: { 'app.kubernetes.io/managed-by': 'tracestack', 'tracestack.dev/environment': '{{.env}}', 'tracestack.dev/component': 'root' },
            finalizers: [FINALIZER],
          },
          spec: {
            project: 'default',
            source: { repoURL: '{{.repoURL}}', targetRevision: '{{.targetRevision}}', path: '{{.path}}' },
            destination: { server: 'https://kubernetes.default.svc', namespace },
            syncPolicy: { retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } } },
          },
        },
        // Booleans cannot come from string parameters in the template itself; the patch adds automated sync.
        templatePatch: '{{- if eq .automated "true" }}\nspec:\n  syncPolicy:\n    automated:\n      prune: {{ .prune }}\n      selfHeal: {{ .selfHeal }}\n{{- end }}\n',
        // Removing an environment from the list must not cascade-delete its whole stack by accident.
        syncPolicy: { preserveResourcesOnDeletion: true },
      },
    };
    const file = `applicationset-${namespace}.yaml`;
    files.push(file);
    tree.set(`fleet/${file}`, yamlFile(source, appSet));
  }
  tree.set('fleet/kustomization.yaml', yamlFile(source, kustomization({ resources: files })));
}
