import { TRACE_DERIVED_PROCESSORS } from '../../components/tempo/index.js';
import { closest } from '../../diagnostics.js';
import { feederOf } from './collector.js';
import { get, obj, ptr, type BehaviourRule, type Finding, type RuleContext } from './types.js';
import { METRIC_CONNECTORS, TAIL, list, samplers, type Obj } from './sampling-collectors.js';
import { samplingMetricsPerPod } from './sampling-per-pod.js';

/**
 * Rules of tail sampling (spec.sampling, components/collector/sampling.ts), checked on the rendered objects
 * (sampling-collectors.ts finds the tail samplers; sampling-per-pod.ts holds sampling-metrics-per-pod).
 */

/** A spec duration or a collector duration string (ms, s, m, h) in milliseconds; undefined when unreadable. */
function millis(d: unknown): number | undefined {
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)$/.exec(String(d ?? ''));
  if (!m) return undefined;
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

/** Every policy of a tail_sampling config, sub-policies of and/drop/composite/not included. */
function allPolicies(policies: unknown): Obj[] {
  return (Array.isArray(policies) ? policies : []).flatMap((p) => {
    const o = obj(p);
    const subs = [...((obj(o.and).and_sub_policy as unknown[]) ?? []), ...((obj(o.drop).drop_sub_policy as unknown[]) ?? []), ...((obj(o.composite).composite_sub_policy as unknown[]) ?? [])];
    const not = obj(o.not).not_sub_policy;
    return [o, ...allPolicies(subs), ...(not ? allPolicies([not]) : [])];
  });
}

/**
 * Head sampling ahead of the tail sampler: a span not started (Istio's randomSamplingPercentage, ingress-nginx's
 * sampler, the SDK sampler of an Instrumentation) never reaches tier 2, so most errors and slow requests are gone
 * before tail sampling can keep them, and the tail sampler's baseline multiplies with the head rate.
 * Read from the rendered Telemetry objects (telemetry.istio.io/v1 Tracing.randomSamplingPercentage), the
 * ingress-nginx controller ConfigMap values (otel-sampler, otel-sampler-ratio) and the Instrumentation objects
 * (opentelemetry.io/v1alpha1 spec.sampler.type/argument).
 */
export const samplingHead: BehaviourRule = {
  id: 'sampling-head',
  prevents: 'head sampling below 100% in front of the tail sampler (most errors and slow traces are never recorded, so the tail sampler cannot keep them)',
  source: 'istio/istio 1.30.3 telemetry.istio.io/v1 Tracing.randomSamplingPercentage; kubernetes/ingress-nginx controller ConfigMap otel-sampler; opentelemetry-operator v0.158.0 apis/v1alpha1 Instrumentation spec.sampler',
  check(ctx) {
    if (!samplers(ctx).length) return [];
    const s = ctx.env.spec;
    const out: Finding[] = [];
    const teamOf = (ns: string) => s.teams.findIndex((t) => t.namespaces.includes(ns));
    const teamPointer = (namespaces: string[]) => {
      const i = namespaces.map(teamOf).find((t) => t >= 0);
      return i !== undefined && s.teams[i]!.samplingPercentage !== undefined ? ptr('spec', 'teams', i, 'samplingPercentage') : undefined;
    };
    for (const u of ctx.units) {
      if (u.kind === 'kustomize') {
        for (const o of u.objects) {
          if (o.kind === 'Telemetry') {
            for (const t of (obj(o.spec).tracing as unknown[] | undefined) ?? []) {
              const pct = obj(t).randomSamplingPercentage;
              if (typeof pct === 'number' && pct < 100) {
                out.push({
                  pointer: teamPointer(u.targetNamespaces) ?? ptr('spec', 'istio', 'samplingPercentage'),
                  message: `Istio Telemetry ${o.metadata.name} (${u.targetNamespaces.join(', ')}) starts ${pct}% of traces, but tail sampling is on: the other ${Number((100 - pct).toPrecision(6))}% (errors and slow requests included) never reach the tail sampler`,
                  suggestion: 'Set the head sampling to 100 (spec.istio.samplingPercentage and any spec.teams[].samplingPercentage): tail sampling decides what is kept.',
                });
              }
            }
          }
          if (o.kind === 'Instrumentation') {
            const sampler = obj(obj(o.spec).sampler);
            const type = String(sampler.type ?? '');
            const arg = Number(sampler.argument ?? '1');
            const partial = /always_off$/.test(type) || (/traceidratio$/.test(type) && !(arg >= 1));
            if (partial) {
              const team = teamPointer(u.targetNamespaces);
              out.push({
                pointer: team ?? (ctx.written(ptr('spec', 'instrumentation', 'sampler', 'argument')) && /traceidratio$/.test(type) ? ptr('spec', 'instrumentation', 'sampler', 'argument') : ptr('spec', 'instrumentation', 'sampler', 'type')),
                message: `the Instrumentation in ${u.targetNamespaces.join(', ')} samples with ${type}${/traceidratio$/.test(type) ? ` ${sampler.argument}` : ''}, but tail sampling is on: the SDKs drop traces before the tail sampler sees them`,
                suggestion: team ? 'Remove the team\'s samplingPercentage (or set it to 100): tail sampling decides what is kept.' : 'Set: spec.instrumentation.sampler.type: parentbased_always_on',
              });
            }
          }
        }
      } else if (u.kind === 'helm' && u.id === 'ingress-nginx') {
        const config = obj(get(u.values, 'controller.config'));
        const sampler = String(config['otel-sampler'] ?? '');
        const ratio = Number(config['otel-sampler-ratio'] ?? '1');
        if (sampler === 'AlwaysOff' || (sampler === 'TraceIdRatioBased' && !(ratio >= 1))) {
          out.push({
            pointer: sampler === 'TraceIdRatioBased' && ctx.written(ptr('spec', 'ingressNginx', 'samplerRatio')) ? ptr('spec', 'ingressNginx', 'samplerRatio') : ptr('spec', 'ingressNginx', 'sampler'),
            message: `ingress-nginx samples with ${sampler}${sampler === 'TraceIdRatioBased' ? ` ${ratio}` : ''}, but tail sampling is on: requests it does not trace never reach the tail sampler`,
            suggestion: 'Set: spec.ingressNginx.sampler: AlwaysOn',
          });
        }
      }
    }
    return out;
  },
};

/**
 * A tail sampler decides on the spans it holds. Unless every span of a trace reaches the same instance, each pod
 * decides on a fragment (an error span in one pod, the slow root in another): the sampler must run in a
 * Deployment or StatefulSet fed by a loadbalancing exporter keyed by trace id
 * (open-telemetry/opentelemetry-collector-contrib v0.158.0 exporter/loadbalancingexporter config.go routing_key
 * "traceID"; processor/tailsamplingprocessor README "all spans for a given trace MUST be received by the same
 * collector instance"). A DaemonSet never is: each node's pod sees its node's spans.
 */
export const samplingTraceAware: BehaviourRule = {
  id: 'sampling-trace-aware',
  prevents: 'tail sampling on a tier that does not see whole traces (a DaemonSet, or replicas not fed by a loadbalancing exporter keyed by trace id): decisions on fragments',
  source: 'open-telemetry/opentelemetry-collector-contrib v0.158.0 processor/tailsamplingprocessor/README.md; exporter/loadbalancingexporter/config.go',
  check(ctx) {
    const out: Finding[] = [];
    for (const sm of samplers(ctx)) {
      const spec = obj(sm.collector.spec);
      const name = sm.collector.metadata.name;
      const where = ctx.written(ptr('spec', 'sampling', 'mode')) ? ptr('spec', 'sampling', 'mode') : ptr('spec', 'sampling');
      if (spec.mode === 'daemonset') {
        out.push({ pointer: where, message: `collector ${name} runs tail_sampling as a DaemonSet: each node's pod sees only its node's spans and decides on trace fragments`, suggestion: 'This is a tracestack bug (please report): the tail sampler runs in its own Deployment (<collector>-sampler).' });
        continue;
      }
      const feeder = feederOf(ctx, sm.collector, sm.unit.namespace);
      if (!feeder) {
        out.push({
          pointer: where,
          message: `collector ${name} runs tail_sampling but no loadbalancing exporter sends it whole traces: senders spread a trace's spans over its pods${name === ctx.env.spec.collector.name ? ' (the first tier, which the mesh, nginx and the SDKs send to directly)' : ''}`,
          suggestion: 'This is a tracestack bug (please report): tier 1 balances by trace id into <collector>-sampler.',
        });
        continue;
      }
      const lb = Object.entries(obj(obj(obj(feeder.collector.spec).config).exporters)).find(([id]) => list(feeder.pipeline.exporters).includes(id) && /^load_?balancing(\/.*)?$/.test(id));
      const key = obj(lb?.[1]).routing_key ?? 'traceID'; // the exporter's default key is the trace id (factory.go)
      if (key !== 'traceID') {
        out.push({ pointer: where, message: `collector ${feeder.collector.metadata.name} balances spans into ${name} by ${String(key)}, not traceID: the spans of one trace reach different tail samplers`, suggestion: 'This is a tracestack bug (please report): routing_key must be traceID.' });
      }
    }
    return out;
  },
};

/**
 * decision_wait is how long the tail sampler holds a trace after its first span arrived before it decides
 * (processor/tailsamplingprocessor@v0.158.0 config.go DecisionWait). A trace slower than the latency threshold is
 * still running when a decision_wait no longer than the threshold ends: the latency policy judges it on the spans
 * so far (internal/sampling/latency.go: first start to last end of the spans held) and never keeps it.
 */
export const samplingDecisionWait: BehaviourRule = {
  id: 'sampling-decision-wait',
  prevents: 'a decision_wait no longer than the latency threshold (the sampler decides before a slow trace has ended, so it never keeps one)',
  source: 'open-telemetry/opentelemetry-collector-contrib v0.158.0 processor/tailsamplingprocessor/config.go DecisionWait, internal/sampling/latency.go',
  check(ctx) {
    const out: Finding[] = [];
    for (const sm of samplers(ctx)) {
      for (const id of sm.processors) {
        const cfg = obj(obj(sm.config.processors)[id]);
        const wait = millis(cfg.decision_wait ?? '30s'); // factory.go: 30s default
        for (const p of allPolicies(cfg.policies).filter((x) => x.type === 'latency')) {
          const threshold = Number(obj(p.latency).threshold_ms);
          if (wait !== undefined && Number.isFinite(threshold) && wait <= threshold) {
            out.push({
              pointer: ctx.written(ptr('spec', 'sampling', 'decisionWait')) ? ptr('spec', 'sampling', 'decisionWait') : ptr('spec', 'sampling', 'policies', 'latencyThreshold'),
              message: `collector ${sm.collector.metadata.name}: ${id} decides after ${String(cfg.decision_wait ?? '30s')}, no longer than latency policy "${String(p.name)}"'s threshold of ${threshold}ms: a trace slower than that is still running when it is judged, so no slow trace is ever kept`,
              suggestion: `Set spec.sampling.decisionWait above spec.sampling.policies.latencyThreshold (e.g. ${Math.ceil((threshold * 2) / 1000)}s), or lower the threshold.`,
            });
          }
        }
      }
    }
    return out;
  },
};

/**
 * Trace-derived metrics must be computed from every span: after the sampler, request rates and the service graph
 * shrink with the sample (Grafana Tempo docs, metrics-generator: "sampling ... before the metrics-generator ...
 * metrics will be inaccurate"). With tail sampling, Tempo's generator sees only kept spans, so its service-graphs
 * and span-metrics processors must be off (grafana/tempo modules/overrides metrics_generator.processors), and the
 * collector's spanmetrics and servicegraph connectors must be fed before tail_sampling (a pipeline without it, or
 * a connector chain that does not pass through it).
 */
export const samplingMetricsPlacement: BehaviourRule = {
  id: 'sampling-metrics',
  prevents: 'span metrics or service graphs computed from sampled spans (Tempo metrics generator processors with tail sampling, or connectors after tail_sampling): rates and the service map shrink with the sample',
  source: 'grafana/tempo docs/sources/tempo/metrics-from-traces/metrics-generator; open-telemetry/opentelemetry-collector-contrib v0.158.0 connector/spanmetricsconnector, connector/servicegraphconnector',
  check(ctx) {
    const sms = samplers(ctx);
    if (!sms.length) return [];
    const s = ctx.env.spec;
    const out: Finding[] = [];
    // Collector side: pipelines downstream of tail_sampling (through connectors) must not feed the metric connectors.
    for (const sm of sms) {
      const pipelines = obj(obj(sm.config.service).pipelines) as Record<string, Obj>;
      const sampled = new Set(Object.keys(pipelines).filter((n) => list(pipelines[n]!.processors).some((x) => TAIL.test(x))));
      for (let grew = true; grew; ) {
        grew = false;
        const connectorsAfter = new Set([...sampled].flatMap((n) => list(pipelines[n]!.exporters)));
        for (const [n, p] of Object.entries(pipelines)) {
          if (!sampled.has(n) && list(p.receivers).some((r) => connectorsAfter.has(r) && r in obj(sm.config.connectors))) {
            sampled.add(n);
            grew = true;
          }
        }
      }
      for (const n of sampled) {
        for (const e of list(pipelines[n]!.exporters).filter((x) => METRIC_CONNECTORS.test(x))) {
          out.push({ pointer: ptr('spec', 'sampling'), message: `collector ${sm.collector.metadata.name}: ${e} is fed by pipeline ${n}, after tail_sampling: its metrics count only the kept spans`, suggestion: 'This is a tracestack bug (please report): the metric connectors have a pipeline of their own before the sampler.' });
        }
      }
    }
    // Tempo side: the generator's trace-derived processors, as rendered (pass-through values included) and as written.
    for (const id of ['tempo', 'tempo3']) {
      const u = ctx.units.find((x) => x.kind === 'helm' && x.id === id);
      if (!u || u.kind !== 'helm' || get(u.values, 'metricsGenerator.enabled') !== true) continue;
      const blocks: Array<[string, unknown]> = [['defaults', get(u.values, 'overrides.defaults.metrics_generator.processors')], ...Object.entries(obj(u.values.per_tenant_overrides)).map(([t, b]) => [`tenant ${t}`, get(b, 'metrics_generator.processors')] as [string, unknown])];
      for (const [where, procs] of blocks) {
        const bad = list(procs).filter((p) => TRACE_DERIVED_PROCESSORS.includes(p));
        if (bad.length) {
          out.push({
            pointer: ctx.written(ptr('spec', 'tempo', 'values')) ? ptr('spec', 'tempo', 'values') : ptr('spec', 'tempo', 'metricsGenerator', 'processors'),
            message: `${u.release}'s metrics generator runs ${bad.join(' and ')} (${where}) while tail sampling is on: it sees only the kept spans, so its service graph and span metrics shrink with the sample (and duplicate the collector's)`,
            suggestion: 'Remove service-graphs and span-metrics from the metrics generator values: with tail sampling the collector computes both before the sampler.',
          });
        }
      }
    }
    // As written: processors tracestack leaves out with tail sampling on; say so where the user asked for them.
    const written: Array<[string, string[] | undefined]> = [
      [ptr('spec', 'tempo', 'metricsGenerator', 'processors'), s.tempo.metricsGenerator.processors],
      ...s.teams.map((t, i) => [ptr('spec', 'teams', i, 'metricsGeneratorProcessors'), t.metricsGeneratorProcessors] as [string, string[] | undefined]),
    ];
    for (const [pointer, procs] of written) {
      const bad = (procs ?? []).filter((p) => TRACE_DERIVED_PROCESSORS.includes(p));
      if (ctx.written(pointer) && bad.length) {
        out.push({
          pointer,
          message: `${bad.join(' and ')} would run in Tempo's metrics generator on sampled spans (tail sampling is on): tracestack leaves ${bad.length > 1 ? 'them' : 'it'} out, and the collector computes service graph and span metrics before sampling`,
          suggestion: `Remove ${bad.join(' and ')} here (local-blocks may stay).`,
        });
      }
    }
    return out;
  },
};

/** spec.sampling.teams keys are team names: a key of no team would give no namespace its own baseline. */
export const samplingTeams: BehaviourRule = {
  id: 'sampling-team',
  prevents: 'a per-team sampling baseline for a team that does not exist in spec.teams (its traces silently take the global baseline)',
  source: 'open-telemetry/opentelemetry-collector-contrib v0.158.0 processor/tailsamplingprocessor/config.go (and policy on k8s.namespace.name, the team namespaces of spec.teams)',
  check(ctx) {
    const s = ctx.env.spec;
    const names = s.teams.map((t) => t.name);
    return Object.keys(s.sampling.teams)
      .filter((team) => !names.includes(team))
      .map((team) => {
        const guess = closest(team, names);
        return {
          pointer: ptr('spec', 'sampling', 'teams', team),
          message: `spec.sampling.teams names "${team}", which is no team of spec.teams (${names.join(', ') || 'none'}): no namespace gets this baseline`,
          suggestion: guess ? `did you mean "${guess}"?` : `Add team "${team}" to spec.teams, or remove it here.`,
        };
      });
  },
};

export const SAMPLING_RULES: readonly BehaviourRule[] = [samplingHead, samplingTraceAware, samplingDecisionWait, samplingMetricsPlacement, samplingMetricsPerPod, samplingTeams];
