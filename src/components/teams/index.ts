import type { Component, K8sObject, Unit } from '../types.js';
import { WAVES } from '../types.js';
import { instrumentationObject } from '../instrumentation/index.js';
import { telemetryObject } from '../istio/index.js';
import type { Environment, Team } from '../../model.js';
import type { Names } from '../../resolve/names.js';

/** Name of the Namespace object in the shared base; Kustomize's namespace transformer renames it per overlay. */
export const TEAM_NAMESPACE_PLACEHOLDER = 'team-namespace';

/**
 * The team's Namespace, so that namespace-wide settings have a home: auto-instrumentation of the chosen
 * languages (the operator honours inject-<language> on the Namespace), and Delete=false, so removing a team
 * from spec.teams never deletes its namespace and workloads.
 */
function namespaceObject(env: Environment, team: Team): K8sObject {
  const inject = Object.fromEntries(team.languages.map((l) => [`instrumentation.opentelemetry.io/inject-${l}`, env.spec.instrumentation.name]));
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: TEAM_NAMESPACE_PLACEHOLDER, annotations: { 'argocd.argoproj.io/sync-options': 'Delete=false', ...inject } },
  };
}

/**
 * Per team: its Namespaces and an Instrumentation in each (one Application), and, when the team overrides the
 * mesh sampling, a namespace-wide Istio Telemetry in each (a second one). The tenant side (collector routing,
 * Tempo overrides, Grafana datasources, the team's AppProject) is rendered by those components from names.tenancy.
 */
export const teams: Component = {
  id: 'teams',
  units(env, names: Names) {
    const tenancy = names.tenancy;
    if (!tenancy) return [];
    const units: Unit[] = [];
    for (const team of env.spec.teams) {
      const namespaces = [...team.namespaces].sort();
      const ratio = team.samplingPercentage === undefined ? undefined : Number((team.samplingPercentage / 100).toPrecision(6));
      units.push({
        kind: 'kustomize',
        id: tenancy.teamUnit(team.name),
        base: 'team',
        namespace: namespaces[0],
        targetNamespaces: namespaces,
        wave: WAVES.instrumentation, // before the apps: injection happens only when a pod is created
        needs: ['otel-operator', 'collector'],
        syncOptions: ['SkipDryRunOnMissingResource=true'],
        objects: [namespaceObject(env, team), instrumentationObject(env, names, ratio)],
      });
      if (team.samplingPercentage !== undefined && env.spec.istio.enabled) {
        units.push({
          kind: 'kustomize',
          id: tenancy.teamSamplingUnit(team.name),
          base: 'istio-telemetry',
          namespace: namespaces[0],
          targetNamespaces: namespaces,
          wave: WAVES.edges,
          needs: ['istiod'],
          syncOptions: ['SkipDryRunOnMissingResource=true'],
          objects: [telemetryObject(names, tenancy.teamTelemetryName, team.samplingPercentage)],
        });
      }
    }
    return units;
  },
};
