import type { Diagnostic } from '../diagnostics.js';
import type { LoadedEnvironment } from '../load/environments.js';
import type { Environment } from '../model.js';
import { PLATFORM_TENANT } from '../components/names.js';
import { platformNamespaces } from '../components/derived.js';
import { pointerToPath } from './schema.js';

/**
 * Cross-checks of spec.teams that the schema cannot express: a namespace belongs to at most one team (else its
 * spans would have two tenants), team names (tenant ids) are unique and not the platform tenant, and every
 * team namespace gets exactly one Instrumentation. Runs on the schema-valid document with defaults applied;
 * every problem points at file:line:col through the loader's source map.
 */
export function validateTeams(loaded: LoadedEnvironment, env: Environment): Diagnostic[] {
  const s = env.spec;
  const teams = s.teams ?? [];
  if (teams.length === 0) return [];
  const out: Diagnostic[] = [];
  const at = (pointer: string, code: string, message: string, suggestion?: string, preferKey = false) =>
    out.push({ ...loaded.locate(pointer, preferKey), path: pointerToPath(pointer), code, message, suggestion, severity: 'error' });

  const teamByName = new Map<string, number>();
  const teamByNamespace = new Map<string, { team: string; index: number }>();
  teams.forEach((team, i) => {
    const here = `/spec/teams/${i}`;
    const first = teamByName.get(team.name);
    if (first !== undefined) {
      at(`${here}/name`, 'duplicate-team', `team "${team.name}" is already defined as spec.teams[${first}]; a team name is a Tempo tenant id and must be unique`, 'Rename one of the teams or merge their namespaces.');
    } else teamByName.set(team.name, i);
    if (team.name === PLATFORM_TENANT) {
      at(`${here}/name`, 'reserved-team', `"${PLATFORM_TENANT}" is the tenant of spans from namespaces of no team; a team cannot use it`, 'Choose another team name.');
    }
    team.namespaces.forEach((ns, j) => {
      const owner = teamByNamespace.get(ns);
      if (owner) {
        at(`${here}/namespaces/${j}`, 'namespace-in-two-teams', `namespace "${ns}" is already listed under team "${owner.team}" (spec.teams[${owner.index}]); a namespace belongs to at most one team, since its spans go to one tenant`, `Remove "${ns}" from one of the two teams.`);
      } else teamByNamespace.set(ns, { team: team.name, index: i });
    });
    for (const lang of Object.keys(team.containerNames ?? {})) {
      if (!team.languages.includes(lang as (typeof team.languages)[number])) {
        at(`${here}/containerNames/${lang}`, 'container-names', `containerNames names the ${lang} containers of team "${team.name}", but ${lang} is not in its languages`, `Set: spec.teams[${i}].languages: [${[...team.languages, lang].join(', ')}]  (or remove containerNames.${lang})`, true);
      }
    }
    if (team.samplingPercentage !== undefined && !s.istio.enabled) {
      at(`${here}/samplingPercentage`, 'needs-istio', `team "${team.name}" overrides the mesh sampling, but Istio is off`, 'Set: spec.istio.enabled: true (or drop samplingPercentage).', true);
    }
  });

  // Each team renders units (and Argo CD Applications, files) named team-<name>, team-<name>-namespaces and
  // team-<name>-sampling: teams "x" and "x-sampling" would both render team-x-sampling.
  const unitOwner = new Map<string, number>();
  teams.forEach((team, i) => {
    for (const id of [`team-${team.name}`, `team-${team.name}-namespaces`, `team-${team.name}-sampling`]) {
      const other = unitOwner.get(id);
      if (other !== undefined && teams[other].name !== team.name) {
        const [a, b] = [teams[other].name, team.name].sort((x, y) => x.length - y.length);
        at(`/spec/teams/${i}/name`, 'team-name-collision', `teams "${a}" and "${b}" (spec.teams[${other}] and spec.teams[${i}]) would both render ${id} (its Argo CD Application, Kustomize folder and files)`, `Rename team "${b}" so that it does not end in -namespaces or -sampling after another team's name.`);
      } else if (other === undefined) unitOwner.set(id, i);
    }
  });

  // Every team namespace gets the team's Instrumentation; listing it for the shared one too would render two
  // Instrumentations of the same name in one namespace.
  s.instrumentation.namespaces.forEach((ns, j) => {
    const owner = teamByNamespace.get(ns);
    if (owner) {
      at(`/spec/instrumentation/namespaces/${j}`, 'namespace-in-team', `namespace "${ns}" belongs to team "${owner.team}", which already gives it an Instrumentation`, `Remove "${ns}" from spec.instrumentation.namespaces.`);
    }
  });

  // A platform namespace inside a team would hand the platform's own spans (or the mesh root) to that team.
  // every component's platform namespace (its description)
  for (const { path, namespace: ns } of platformNamespaces(env)) {
    const owner = teamByNamespace.get(ns);
    if (!owner) continue;
    const j = teams[owner.index].namespaces.indexOf(ns);
    at(`/spec/teams/${owner.index}/namespaces/${j}`, 'platform-namespace', `namespace "${ns}" is ${path}, a platform namespace; it cannot belong to team "${owner.team}"`, 'Keep platform namespaces out of spec.teams.');
  }

  // The tenant is assigned by the collector and stored by Tempo, and every team namespace needs an Instrumentation.
  const required: Array<[boolean, string, string]> = [
    [s.collector.enabled, 'collector', 'the collector assigns each span its tenant'],
    [s.tempo.enabled, 'tempo', 'Tempo stores the tenants'],
    [s.otelOperator.enabled, 'otelOperator', 'the operator runs the collector and the Instrumentations'],
    [s.instrumentation.enabled, 'instrumentation', 'every team namespace gets an Instrumentation'],
  ];
  for (const [on, key, why] of required) {
    if (!on) at(`/spec/${key}/enabled`, 'teams-need-component', `spec.teams needs spec.${key}: ${why}`, `Set: spec.${key}.enabled: true (or remove spec.teams).`);
  }
  return out;
}
