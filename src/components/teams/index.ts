import { defineComponent, type Unit } from '../types.js';

/** The Instrumentation before the apps (injection happens only when a pod is created); the sampling Telemetry at the edges' wave. */
const WAVES = { instrumentation: 20, edges: 15 } as const;
import { instrumentationObject } from '../instrumentation/index.js';
import { telemetryObject } from '../istio/index.js';
import type { Names } from '../names.js';

/**
 * Per team: an Instrumentation in each of its namespaces (one Application), and, when the team overrides the
 * mesh sampling, a namespace-wide Istio Telemetry in each (a second one). The team's Namespaces (with its
 * inject annotations) come from the namespaces component at the first wave. The tenant side (collector routing,
 * Tempo overrides, Grafana datasources, the team's AppProject) is rendered by those components from names.tenancy.
 */
export const teams = defineComponent({
  id: 'teams',
  specKey: 'teams',
  waves: WAVES,
  provides: ['team-*', 'team-*-sampling'],
  // a team's own Telemetry could change its sampling or send its spans elsewhere
  teamForbiddenKinds: [{ group: 'telemetry.istio.io', kind: 'Telemetry' }],
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
        objects: [instrumentationObject(env, names, ratio)],
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
});
