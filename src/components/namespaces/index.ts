import { defineComponent, type K8sObject, type Unit } from '../types.js';

/** Application and team namespaces, before anything is applied into them. */
const WAVES = { namespaces: -30 } as const;
import type { Environment, Team } from '../../model.js';
import { applicationNamespaces, existingNamespaces, meshEnrolmentLabels, NAMESPACE_UNIT_HOME } from './facts.js';

/** Name of the Namespace object in the shared base; Kustomize's namespace transformer renames it per overlay. */
export const NAMESPACE_PLACEHOLDER = 'app-namespace';

/**
 * Argo CD never prunes or deletes an application namespace (gitops-engine pkg/sync/resource/annotations.go reads
 * the comma-separated options): removing it from the spec must not delete the workloads in it.
 */
const KEEP = { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' };

/**
 * A team's namespace-wide auto-instrumentation: inject-<language> naming the team's Instrumentation, and with
 * containerNames, <language>-container-names. The operator reads both from the Namespace when the pod does not
 * set them (opentelemetry-operator v0.158.0 internal/instrumentation/annotation.go annotationValue), and with
 * multi-instrumentation (on by default, internal/config/config.go) it skips a pod asked for more than one
 * language without container names (internal/instrumentation/podmutator.go areInstrumentedContainersCorrect);
 * validation refuses that combination, so a team with two languages always names the containers.
 */
export function teamNamespaceAnnotations(env: Environment, team: Team): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of team.languages) {
    out[`instrumentation.opentelemetry.io/inject-${l}`] = env.spec.instrumentation.name;
    const containers = team.containerNames?.[l];
    if (containers?.length) out[`instrumentation.opentelemetry.io/${l}-container-names`] = containers.join(',');
  }
  return out;
}

function namespaceObject(labels: Record<string, string>, annotations: Record<string, string>): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: NAMESPACE_PLACEHOLDER, ...(Object.keys(labels).length ? { labels } : {}), annotations: { ...KEEP, ...annotations } },
  };
}

/**
 * Every application namespace exists before anything is applied into it: tracestack creates it (a Namespace
 * object at the first sync wave, enrolled in the mesh), unless spec.existingNamespaces says it exists, in which
 * case only its labels and annotations are managed (Argo CD managedNamespaceMetadata, helmfile presync hooks).
 * Platform namespaces are created by the Application or release that installs into them (CreateNamespace).
 */
export const namespaces = defineComponent({
  id: 'namespaces',
  waves: WAVES,
  provides: ['namespaces', 'team-*-namespaces', 'namespace-*'],
  units(env, names) {
    const existing = existingNamespaces(env);
    const labels = meshEnrolmentLabels(env);
    const teams = env.spec.teams ?? [];
    const teamOf = new Map(teams.flatMap((t) => t.namespaces.map((ns) => [ns, t] as const)));
    const units: Unit[] = [];
    // Ambient Namespaces have their own base: an overlay cannot remove the sidecar label of the default base
    // (Kustomize's patch of a Namespace label to null writes the string "null", kubectl kustomize v5).
    const namespaceBase = env.spec.istio.enabled && env.spec.istio.mode === 'ambient' ? 'namespace-ambient' : 'namespace';
    const created = (id: string, targets: string[], annotations: Record<string, string>, base = namespaceBase): Unit => ({
      kind: 'kustomize',
      id,
      base,
      namespace: NAMESPACE_UNIT_HOME,
      targetNamespaces: targets,
      wave: WAVES.namespaces,
      needs: [],
      objects: [namespaceObject(labels, annotations)],
    });
    const shared = applicationNamespaces(env).filter((ns) => !teamOf.has(ns) && !existing.has(ns));
    if (shared.length) units.push(created('namespaces', shared, {}));
    for (const team of teams) {
      const targets = [...team.namespaces].sort().filter((ns) => !existing.has(ns));
      if (targets.length) units.push(created(names.tenancy!.teamNamespacesUnit(team.name), targets, teamNamespaceAnnotations(env, team)));
    }
    for (const ns of applicationNamespaces(env).filter((n) => existing.has(n))) {
      const team = teamOf.get(ns);
      const annotations = team ? teamNamespaceAnnotations(env, team) : {};
      if (!Object.keys(labels).length && !Object.keys(annotations).length) continue;
      units.push({
        kind: 'kustomize',
        id: `namespace-${ns}`,
        base: 'empty',
        namespace: ns,
        targetNamespaces: [ns],
        wave: WAVES.namespaces,
        needs: [],
        objects: [],
        namespaceMetadata: { ...(Object.keys(labels).length ? { labels } : {}), ...(Object.keys(annotations).length ? { annotations } : {}) },
      });
    }
    return units;
  },
});
