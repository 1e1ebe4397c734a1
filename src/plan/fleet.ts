import type { Environment } from '../model.js';
import { yamlFile } from '../render/yaml.js';
import { FINALIZER } from './argocd.js';
import { kustomization } from './kustomize.js';
import { layout, type FileTree } from './layout.js';

/**
 * Fleets: one ApplicationSet per Argo CD namespace, listing every environment that opted in
 * (spec.argocd.applicationSet). Each element generates that environment's root app, the same Application that
 * out/<env>/argocd/root.yaml would be. goTemplate with missingkey=error, so a missing parameter fails loudly.
 */
export function renderFleet(tree: FileTree, environments: Environment[], outPath: string) {
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
                path: layout.inRepo(outPath, layout.argoApps(e.metadata.name)),
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
    const file = layout.fleetFile(namespace);
    files.push(file);
    tree.set(`${layout.fleetDir}/${file}`, yamlFile(source, appSet));
  }
  tree.set(`${layout.fleetDir}/kustomization.yaml`, yamlFile(source, kustomization({ resources: files })));
}
