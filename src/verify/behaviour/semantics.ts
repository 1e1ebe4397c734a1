import { TEMPO_BUILTIN_OVERRIDES, TEMPO3_BUILTIN_OVERRIDES, TEMPO_DEFAULT_TRACE_ID_LABEL } from '../../components/tempo/index.js';
import { isPlainObject, deepMerge } from '../../load/merge.js';
import { get, grafanaDatasources, helmUnit, namespacePointer, obj, ptr, type BehaviourRule, type Finding, type RuleContext } from './types.js';

type Obj = Record<string, unknown>;
const leafPaths = (o: Obj, at = ''): string[] =>
  Object.entries(o).flatMap(([k, v]) => (isPlainObject(v) && Object.keys(v).length ? leafPaths(v, `${at}${k}.`) : [`${at}${k}`]));

/** The pointer of a pass-through value if the user wrote it, else the modelled field. */
const passOr = (ctx: RuleContext, pass: string, modelled: string) => (ctx.written(pass) ? pass : modelled);

/**
 * Tempo 2.x: a per_tenant_overrides block replaces the defaults for that tenant, field for field
 * (grafana/tempo v2.10.7 modules/overrides/runtime_config_overrides.go getOverridesForUser and
 * loadPerTenantOverrides; flag defaults in modules/overrides/config.go RegisterFlagsAndApplyDefaults).
 */
export const tempoTenantBlocks: BehaviourRule = {
  id: 'tempo-tenant-overrides',
  prevents: 'a tenant whose per_tenant_overrides block lacks the defaults (ingestion rate and burst 0: every push RATE_LIMITED)',
  source: 'grafana/tempo v2.10.7 and v3.0.3 modules/overrides/runtime_config_overrides.go, modules/overrides/config.go; grafana-community/helm-charts tempo-distributed-2.26.2 and 3.3.0 values.yaml (per_tenant_overrides)',
  check(ctx) {
    // Tempo 3 keeps the same replacement semantics (grafana/tempo v3.0.3 same files) with its own built-in defaults.
    return [helmUnit(ctx.units, 'tempo'), helmUnit(ctx.units, 'tempo3')].flatMap((tempo) => (tempo ? checkTenantBlocks(ctx, tempo.values, tempo.id === 'tempo3' ? TEMPO3_BUILTIN_OVERRIDES : TEMPO_BUILTIN_OVERRIDES) : []));
  },
};

function checkTenantBlocks(ctx: RuleContext, values: Obj, builtin: Obj): Finding[] {
  {
    const blocks = obj(values.per_tenant_overrides);
    const required = deepMerge(builtin, obj(obj(values.overrides).defaults));
    const out: Finding[] = [];
    // The defaults themselves: a 0 there (written by the user) refuses every tenant without a block of its own.
    const zeroDefaults = ['ingestion.rate_limit_bytes', 'ingestion.burst_size_bytes'].filter((p) => !(Number(get(required, p)) > 0));
    if (zeroDefaults.length) {
      out.push({
        pointer: passOr(ctx, ptr('spec', 'tempo', 'values', 'overrides', 'defaults'), ptr('spec', 'tempo')),
        message: `Tempo's default overrides set ${zeroDefaults.join(' and ')} to 0: every push of every tenant without a block of its own is refused as RATE_LIMITED`,
        suggestion: 'Remove the setting (Tempo defaults: rate 15000000, burst 20000000 bytes) or give it a positive value.',
      });
    }
    for (const [tenant, block] of Object.entries(blocks)) {
      const missing = leafPaths(required).filter((p) => get(block, p) === undefined);
      const zero = ['ingestion.rate_limit_bytes', 'ingestion.burst_size_bytes'].filter((p) => !(Number(get(block, p)) > 0));
      if (!missing.length && !zero.length) continue;
      const team = (ctx.env.spec.teams ?? []).findIndex((t) => t.name === tenant);
      out.push({
        pointer: passOr(ctx, ptr('spec', 'tempo', 'values', 'per_tenant_overrides', tenant), team >= 0 ? ptr('spec', 'teams', team) : ptr('spec', 'tempo')),
        message: `Tempo tenant "${tenant}": its per_tenant_overrides block replaces the defaults wholesale, and it lacks ${[...new Set([...zero, ...missing])].slice(0, 6).join(', ')}${missing.length > 6 ? ', …' : ''}${zero.length ? ' (ingestion rate/burst 0: every push is refused as RATE_LIMITED)' : ''}`,
        suggestion: 'Give every per-tenant block all default values (tracestack completes the blocks it renders; check spec.tempo.values.per_tenant_overrides).',
      });
    }
    return out;
  }
}

const INJECT = /^instrumentation\.opentelemetry\.io\/inject-(java|nodejs|python|dotnet|go|sdk|apache-httpd|nginx)$/;

/**
 * With multi-instrumentation (on by default) a pod asked for more than one language without container names for
 * every language is skipped entirely (open-telemetry/opentelemetry-operator v0.158.0
 * internal/instrumentation/podmutator.go areInstrumentedContainersCorrect; annotation.go: the Namespace's
 * annotations apply to every pod that does not override them).
 */
export const operatorLanguages: BehaviourRule = {
  id: 'instrumentation-languages',
  prevents: 'a namespace asking the operator for several languages without container names: every pod in it is left uninstrumented',
  source: 'open-telemetry/opentelemetry-operator v0.158.0 internal/instrumentation/podmutator.go, annotation.go, internal/config/config.go',
  check(ctx) {
    const out: Finding[] = [];
    const annotated = ctx.units.flatMap((u) => [
      ...(u.kind === 'kustomize' ? u.objects.filter((o) => o.kind === 'Namespace').flatMap((o) => u.targetNamespaces.map((ns) => [ns, o.metadata.annotations ?? {}] as const)) : []),
      ...(u.namespaceMetadata?.annotations ? [[u.namespace, u.namespaceMetadata.annotations] as const] : []),
    ]);
    const reported = new Set<string>();
    for (const [ns, annotations] of annotated) {
      const langs = Object.entries(annotations).flatMap(([k, v]) => (INJECT.test(k) && v.toLowerCase() !== 'false' ? [INJECT.exec(k)![1]] : []));
      if (langs.length < 2) continue;
      const bare = langs.filter((l) => !annotations[l === 'nginx' ? 'instrumentation.opentelemetry.io/inject-nginx-container-names' : `instrumentation.opentelemetry.io/${l}-container-names`]);
      if (!bare.length) continue;
      const team = (ctx.env.spec.teams ?? []).findIndex((t) => t.namespaces.includes(ns));
      const key = team >= 0 ? `team:${team}` : ns;
      if (reported.has(key)) continue;
      reported.add(key);
      out.push({
        pointer: team >= 0 ? ptr('spec', 'teams', team, 'languages') : namespacePointer(ctx.env, ns),
        message: `namespace "${ns}"${team >= 0 ? ` (and every namespace of team "${ctx.env.spec.teams[team].name}")` : ''} asks the OpenTelemetry Operator for ${langs.join(' and ')} without container names for ${bare.join(', ')}: the operator skips every pod there ("please provide container names for all instrumentations")`,
        suggestion: `Set: spec.teams[${team}].containerNames: {${langs.map((l) => `${l}: [<container>]`).join(', ')}}  (or list one language)`,
      });
    }
    return out;
  },
};

/**
 * Grafana refuses to start when a provisioned datasource names an organisation that does not exist
 * (grafana/grafana pkg/services/provisioning/utils/utils.go CheckOrgExists, called by the datasource
 * provisioner); nothing creates an organisation before the first start, and without persistence one made by hand
 * is gone at the next restart.
 */
export const grafanaOrgs: BehaviourRule = {
  id: 'grafana-org',
  prevents: 'Grafana failing to start because a datasource is provisioned into an organisation that does not exist',
  source: 'grafana/grafana pkg/services/provisioning/utils/utils.go (CheckOrgExists), pkg/services/provisioning/datasources; grafana-community/helm-charts grafana-12.11.1 values.yaml (persistence)',
  check(ctx) {
    const g = helmUnit(ctx.units, 'grafana');
    if (!g) return [];
    const spec = ctx.env.spec.grafana;
    const exists = new Set([1, ...(spec.existingOrgIds ?? [])]);
    const out: Finding[] = [];
    const missing = new Map<number, string[]>();
    for (const ds of grafanaDatasources(g.values)) {
      const org = Number(ds.orgId ?? 1);
      if (!exists.has(org)) missing.set(org, [...(missing.get(org) ?? []), String(ds.name)]);
    }
    for (const [org, names] of missing) {
      const team = (ctx.env.spec.teams ?? []).findIndex((t) => t.grafanaOrgId === org);
      out.push({
        pointer: team >= 0 ? ptr('spec', 'teams', team, 'grafanaOrgId') : ptr('spec', 'grafana', 'values'),
        message: `Grafana datasources ${names.map((n) => `"${n}"`).join(', ')} are provisioned into organisation ${org}, which does not exist on a new Grafana: Grafana refuses to start`,
        suggestion: `Use organisation 1, or create organisation ${org} first and declare it: spec.grafana.existingOrgIds: [${org}] (with spec.grafana.persistence.enabled: true)`,
      });
    }
    if ((spec.existingOrgIds ?? []).length && !get(g.values, 'persistence.enabled')) {
      out.push({
        pointer: ptr('spec', 'grafana', 'existingOrgIds'),
        message: 'organisations created by hand live in Grafana\'s database, which without persistence is lost at every restart; Grafana would then refuse to start',
        suggestion: 'Set: spec.grafana.persistence.enabled: true',
      });
    }
    return out;
  },
};

/**
 * Exemplars link a metric to its trace only when Grafana maps the label Tempo writes the trace id under
 * (grafana/tempo v2.10.7 modules/generator/registry/histogram.go: "traceID" unless trace_id_label_name is set).
 */
export const exemplarLabel: BehaviourRule = {
  id: 'exemplar-label',
  prevents: "exemplar links that never appear: Grafana's Prometheus datasource maps another label than the one Tempo's metrics generator writes",
  source: 'grafana/tempo v2.10.7 modules/generator/registry/histogram.go, modules/overrides/config.go (trace_id_label_name)',
  check(ctx) {
    const tempo = helmUnit(ctx.units, 'tempo');
    const g = helmUnit(ctx.units, 'grafana');
    if (!tempo || !g || !get(tempo.values, 'metricsGenerator.enabled')) return [];
    const labelOf = (block: unknown) => String(get(block, 'metrics_generator.trace_id_label_name') || TEMPO_DEFAULT_TRACE_ID_LABEL);
    const defaults = obj(obj(tempo.values.overrides).defaults);
    const written = new Set([labelOf(defaults), ...Object.values(obj(tempo.values.per_tenant_overrides)).map(labelOf)]);
    const out: Finding[] = [];
    for (const ds of grafanaDatasources(g.values)) {
      for (const d of (get(ds, 'jsonData.exemplarTraceIdDestinations') as Obj[] | undefined) ?? []) {
        const wrong = [...written].filter((l) => l !== d.name);
        if (!wrong.length) continue;
        out.push({
          pointer: passOr(ctx, ptr('spec', 'tempo', 'values', 'overrides'), passOr(ctx, ptr('spec', 'grafana', 'values', 'datasources'), ptr('spec', 'tempo', 'metricsGenerator'))),
          message: `Grafana datasource "${String(ds.name)}" reads exemplar label "${String(d.name)}", but Tempo's metrics generator writes the trace id as "${wrong.join('", "')}": exemplars never link to traces`,
          suggestion: `Make overrides.defaults.metrics_generator.trace_id_label_name and the datasource's exemplarTraceIdDestinations name agree (tracestack renders "${String(d.name)}" for both).`,
        });
      }
    }
    return out;
  },
};

export { collectorWaitsForMetadata, collectorPipelines, meshEnrolment } from './collector.js';
