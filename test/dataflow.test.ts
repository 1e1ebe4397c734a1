import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-ignore -- plain ESM shared with scripts/otelcol/build.mjs (tests are not type-checked by tsconfig.json)
import { DATAFLOW_MANIFEST, otelcolBinary, telemetrygenBinary } from '../scripts/otelcol/paths.mjs';
import {
  type Capture,
  type Config,
  type SpanRec,
  cumulativeTotal,
  findTiers,
  freePort,
  isCallsMetric,
  isServiceGraphRequests,
  keptTraces,
  run,
  seconds,
  seriesTotal,
  sharedSeries,
  splitTraces,
  startCollector,
  startSink,
  swapTier1,
  swapTier2,
  tailDecision,
  tailSamplingOf,
  TYPES,
  typeOf,
  wrongTenants,
  type Running,
} from './helpers/dataflow.js';
import { SAMPLER_POD_LABEL } from '../src/components/collector/sampling.js';
import { collectorEnv } from './helpers/collector-env.js';
import { kustomizeBuild } from './helpers/kustomize.js';
import { REPO } from './helpers/repo.js';
import { route } from './helpers/routing.js';

/**
 * Issue #15's data-flow test: the two sampling tiers tracestack renders, run by real collectors (0.158, built by
 * `npm run otelcol:build:dataflow`), fed by telemetrygen (`npm run telemetrygen:build`) and a Node sender, into a
 * Node sink that stands in for Tempo's distributor and Prometheus. One tier-1 collector runs the rendered tier-1
 * config, two tier-2 collectors the rendered tail-sampling config; the swaps that make them run on one machine are
 * in test/helpers/dataflow.ts (swapTier1, swapTier2) and printed with the figures.
 *
 * Traffic (classes known to the sender): per namespace (one of each of two teams, one of no team = platform),
 * telemetrygen traces of 3 spans: normal, error (status Error), slow (span timestamps over the latency threshold),
 * health checks (the attribute the drop policy matches); and Node-built traces of 5 spans over three services and
 * both teams (web -> checkout -> ledger), sent one request per service as three services would: telemetrygen
 * puts a whole trace in one service, so only these show whether the balancing key keeps a trace together.
 */

const BINARY: string = otelcolBinary(process.env, DATAFLOW_MANIFEST);
const TELEMETRYGEN: string = telemetrygenBinary();
const PER_NAMESPACE = { normal: 600, error: 40, slow: 40, health: 120 };
const CHILD_SPANS = 2; // telemetrygen: a root span and 2 children, 3 spans a trace
const CRAFTED = 300;
const PLATFORM_NAMESPACE = 'dataflow-no-team';
/** decision_wait is capped at this in the test (swapTier2); the traces' durations are in their timestamps. */
const DECISION_WAIT_S = 5;

// ---------------------------------------------------------------------------------------------------------------
// The rendered tiers

interface Tiers {
  source: string;
  tier1: any;
  tier2: any;
}

/** The committed tail-sampling example (environments/tempo3-demo.yaml, Tempo 3 with tail sampling): two teams, payments with its own baseline. */
const SAMPLING_ENV = 'tempo3-demo';

/**
 * The sampling tiers as Argo CD applies them: every overlay of the committed out/tempo3-demo/kustomize (the golden
 * test and `generate --check` keep it equal to what generate renders) after `kubectl kustomize`, told apart by
 * content: the collector with a loadbalancing exporter is tier 1, the one with tail_sampling tier 2.
 */
function renderedTiers(): Tiers {
  const kustomize = join(REPO, 'out', SAMPLING_ENV, 'kustomize');
  const objects = readdirSync(kustomize)
    .filter((o) => existsSync(join(kustomize, o, 'kustomization.yaml')))
    .flatMap((o) => kustomizeBuild(join(kustomize, o)));
  return { source: `environments/${SAMPLING_ENV}.yaml: kubectl kustomize out/${SAMPLING_ENV}/kustomize/*`, ...findTiers(objects) };
}

/** Namespaces to send from: the first of two tenants' rows of the tier-2 routing table, and one of no team. */
function namespaces(tier2: any): { teamA: string; teamB: string; platform: string; tenantOf: (s: SpanRec) => string } {
  const config: Config = tier2.spec.config;
  const routingId = Object.keys(config.connectors ?? {}).find((id) => TYPES.routing.includes(typeOf(id)));
  if (!routingId) throw new Error('tier 2 has no routing connector (teams keep their tenants through both tiers)');
  const byTenant = new Map<string, string>();
  for (const row of config.connectors[routingId].table) {
    const m = /^attributes\["k8s\.namespace\.name"\] == "([^"]+)"$/.exec(row.condition);
    if (!m || (row.context ?? 'resource') !== 'resource') continue;
    const tenant = route(tier2, { resource: { 'k8s.namespace.name': m[1] }, attributes: {} });
    if (!byTenant.has(tenant)) byTenant.set(tenant, m[1]);
  }
  const teams = [...byTenant.values()];
  if (teams.length < 2) throw new Error(`the sampling example needs two teams, tier 2 routes ${teams.length}`);
  return {
    teamA: teams[0],
    teamB: teams[1],
    platform: PLATFORM_NAMESPACE,
    tenantOf: (s) => route(tier2, { resource: s.resource, attributes: s.attributes }),
  };
}

/** The latency threshold and the health-check attribute the rendered policies use. */
function policyFacts(tailSampling: Config): { thresholdMs: number; health: { key: string; value: string } } {
  const all = (ps: any[]): any[] => ps.flatMap((p) => [p, ...all(p.and?.and_sub_policy ?? []), ...all(p.drop?.drop_sub_policy ?? [])]);
  const policies = all(tailSampling.policies);
  const latency = policies.find((p) => p.type === 'latency');
  if (!latency) throw new Error('tail_sampling has no latency policy');
  const drop = tailSampling.policies.find((p: any) => p.type === 'drop');
  const match = drop && all(drop.drop.drop_sub_policy).find((p: any) => p.type === 'string_attribute');
  if (!match) throw new Error('tail_sampling has no drop policy matching a string attribute (health checks)');
  return { thresholdMs: latency.latency.threshold_ms, health: { key: match.string_attribute.key, value: match.string_attribute.values[0] } };
}

// ---------------------------------------------------------------------------------------------------------------
// Node-built multi-service traces

interface Crafted {
  traceId: string;
  cls: 'x-normal' | 'x-error' | 'x-slow';
  spans: SpanRec[];
}

/** A random id of `bytes` bytes, hex (trace ids 16, span ids 8). */
const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

/**
 * web (team A) -> checkout (team A) -> ledger (team B); an error only in ledger's span, or a slow root. Eight
 * replicas-worth of service names per role (web-0..7, ...): balanced on the service, 24 names cannot all land on
 * one of two tier-2 instances but with odds of 2^-23, so a wrong balancing key splits traces for certain.
 */
function craftTraces(n: number, ns: { teamA: string; teamB: string }, thresholdMs: number): Crafted[] {
  const now = BigInt(Date.now()) * 1_000_000n;
  const res = (service: string, namespace: string) => ({ 'service.name': service, 'k8s.namespace.name': namespace });
  return Array.from({ length: n }, (_, i) => {
    const cls = i % 10 === 0 ? 'x-error' : i % 10 === 1 ? 'x-slow' : 'x-normal';
    const traceId = hex(16);
    const ids = Array.from({ length: 5 }, () => hex(8));
    const ms = (x: number) => BigInt(Math.round(x * 1_000_000));
    const total = cls === 'x-slow' ? thresholdMs * 2 : 40;
    const span = (k: number, parent: string, name: string, kind: number, service: string, namespace: string, status = 0): SpanRec => ({
      traceId, spanId: ids[k], parentSpanId: parent, name, kind, status,
      startNs: now + ms(k * 2), endNs: now + ms(total - k * 2),
      resource: res(service, namespace), attributes: { 'test.class': cls },
    });
    return {
      traceId,
      cls,
      spans: [
        span(0, '', 'GET /cart', 2, `web-${i % 8}`, ns.teamA),
        span(1, ids[0], 'POST /checkout', 3, `web-${i % 8}`, ns.teamA),
        span(2, ids[1], 'POST /checkout', 2, `checkout-${(i + 3) % 8}`, ns.teamA),
        span(3, ids[2], 'POST /ledger', 3, `checkout-${(i + 3) % 8}`, ns.teamA),
        span(4, ids[3], 'POST /ledger', 2, `ledger-${(i + 5) % 8}`, ns.teamB, cls === 'x-error' ? 2 : 0),
      ],
    } as Crafted;
  });
}

const kv = (o: Record<string, string>) => Object.entries(o).map(([key, v]) => ({ key, value: { stringValue: v } }));
/** One OTLP/JSON request per service (resource), as three separately deployed services would export. */
function otlpRequestsByService(traces: Crafted[]): string[] {
  const byService = new Map<string, SpanRec[]>();
  for (const t of traces) for (const s of t.spans) {
    const key = JSON.stringify(s.resource);
    byService.set(key, [...(byService.get(key) ?? []), s]);
  }
  return [...byService].map(([resource, spans]) =>
    JSON.stringify({
      resourceSpans: [{
        resource: { attributes: kv(JSON.parse(resource)) },
        scopeSpans: [{
          scope: { name: 'tracestack-dataflow-test' },
          spans: spans.map((s) => ({
            traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId, name: s.name, kind: s.kind,
            startTimeUnixNano: String(s.startNs), endTimeUnixNano: String(s.endNs),
            attributes: kv(s.attributes), status: { code: s.status },
          })),
        }],
      }],
    }),
  );
}

async function sendCrafted(httpPort: number, traces: Crafted[]): Promise<void> {
  for (let i = 0; i < traces.length; i += 50) {
    for (const body of otlpRequestsByService(traces.slice(i, i + 50))) {
      const r = await fetch(`http://127.0.0.1:${httpPort}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      if (!r.ok) throw new Error(`tier 1 refused crafted spans: ${r.status} ${await r.text()}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// One run: tier 1, two tier 2, sink, senders

interface RunResult {
  capture: Capture;
  crafted: Crafted[];
  /** spans sent in all (telemetrygen and crafted) */
  spansSent: number;
  /** telemetrygen traces sent per namespace and class */
  sent: Record<string, Record<string, number>>;
  swaps: string[];
  timings: Record<string, number>;
  problems: string[];
}

async function runFlow(tiers: Tiers, opts: { telemetrygen: boolean; tier1?: (c: Config) => void; tier2?: (c: Config) => void }): Promise<RunResult> {
  const t0 = Date.now();
  const ns = namespaces(tiers.tier2);
  const facts = policyFacts(tailSamplingOf(tiers.tier2.spec.config));
  const sink = await startSink(2);
  const running: Running[] = [];
  try {
    const t2Ports = [await freePort(), await freePort()];
    const t2 = t2Ports.map((p, i) => swapTier2(tiers.tier2.spec.config, { grpcPort: p, sinkPort: sink.ports[i], decisionWaitSeconds: DECISION_WAIT_S }));
    const [grpc, http] = [await freePort(), await freePort()];
    const t1 = swapTier1(tiers.tier1.spec.config, { grpcPort: grpc, httpPort: http, tier2: t2Ports.map((p) => `127.0.0.1:${p}`) });
    opts.tier1?.(t1.config);
    for (const s of t2) opts.tier2?.(s.config);
    // Each process gets the environment the operator gives its pod (spec.env, POD_NAME from metadata.name).
    const podEnv = (o: any, i: number) => collectorEnv(o.spec, { name: `${o.metadata.name}-collector-${i}`, namespace: o.metadata.namespace ?? 'default' });
    const t2Env = t2.map((_, i) => podEnv(tiers.tier2, i));
    const envLines = t2Env.map((e, i) => `tier 2: #${i} runs with its pod's environment ${JSON.stringify(e)}`);
    running.push(...(await Promise.all(t2.map((s, i) => startCollector(BINARY, `tier2-${i}`, s.config, t2Ports[i], t2Env[i])))));
    running.push(await startCollector(BINARY, 'tier1', t1.config, grpc, podEnv(tiers.tier1, 0)));
    const started = Date.now();

    const sent: Record<string, Record<string, number>> = {};
    let spansSent = 0;
    const senders: Array<Promise<unknown>> = [];
    if (opts.telemetrygen) {
      for (const namespace of [ns.teamA, ns.teamB, ns.platform]) {
        sent[namespace] = { ...PER_NAMESPACE };
        for (const [cls, traces] of Object.entries(PER_NAMESPACE)) {
          spansSent += traces * (1 + CHILD_SPANS);
          const args = [
            'traces', '--otlp-endpoint', `127.0.0.1:${grpc}`, '--otlp-insecure', '--traces', String(traces), '--workers', '1',
            '--rate', '2000', '--child-spans', String(CHILD_SPANS), '--service', `gen-${namespace}`,
            '--otlp-attributes', `k8s.namespace.name="${namespace}"`, '--telemetry-attributes', `test.class="${cls}"`,
            '--span-duration', cls === 'slow' ? `${facts.thresholdMs}ms` : '5ms',
            ...(cls === 'error' ? ['--status-code', 'Error'] : []),
            ...(cls === 'health' ? ['--telemetry-attributes', `${facts.health.key}="${facts.health.value}"`] : []),
          ];
          senders.push(run(TELEMETRYGEN, args));
        }
      }
    }
    const crafted = craftTraces(CRAFTED, ns, facts.thresholdMs);
    spansSent += crafted.length * 5;
    senders.push(sendCrafted(http, crafted));
    await Promise.all(senders);
    const sentAt = Date.now();

    // Wait: tier 1's batch, decision_wait, tier 2's batch; then until no trace request has come for 3 s and the span
    // metrics count every span (or 5 s more: a broken config's never do).
    const c1 = tiers.tier1.spec.config;
    const batchTimeout = (c: Config) => Math.max(0, ...Object.keys(c.processors ?? {}).filter((id) => typeOf(id) === 'batch').map((id) => seconds(c.processors[id].timeout ?? '200ms')));
    const minWait = (batchTimeout(c1) + DECISION_WAIT_S + batchTimeout(tiers.tier2.spec.config) + 2) * 1000;
    const deadline = sentAt + minWait + 45_000;
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      const now = Date.now();
      const quiet = now - Math.max(sink.lastTraceAt(), sentAt) > 3000;
      const counted = cumulativeTotal(sink.capture, isCallsMetric) >= spansSent || now - sentAt > minWait + 5000;
      if ((now - sentAt > minWait && quiet && counted) || now > deadline) break;
    }
    const done = Date.now();
    return {
      capture: sink.capture,
      crafted,
      spansSent,
      sent,
      swaps: [...t1.swaps.map((s) => `tier 1: ${s}`), ...t2[0].swaps.map((s) => `tier 2: ${s}`), ...envLines],
      timings: { startupS: (started - t0) / 1000, sendS: (sentAt - started) / 1000, settleS: (done - sentAt) / 1000 },
      problems: [...sink.problems],
    };
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${running.map((r) => `--- ${r.name}\n${r.log().slice(-4000)}`).join('\n')}`);
  } finally {
    await Promise.all(running.map((r) => r.stop()));
    await sink.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------

const classOf = (s: SpanRec) => s.attributes['test.class'];
/** Kept telemetrygen traces per namespace and class: how many, and how many whole (3 spans). */
function keptByClass(capture: Capture): Record<string, Record<string, { traces: number; whole: number }>> {
  const out: Record<string, Record<string, { traces: number; whole: number }>> = {};
  for (const spans of keptTraces(capture).values()) {
    const cls = classOf(spans[0]);
    if (!cls || cls.startsWith('x-')) continue;
    const ns = spans[0].resource['k8s.namespace.name'];
    const c = ((out[ns] ??= {})[cls] ??= { traces: 0, whole: 0 });
    c.traces++;
    if (spans.length === 1 + CHILD_SPANS) c.whole++;
  }
  return out;
}

/** Crafted traces whose capture differs from the modelled decision of `tailSampling` (kept whole or not at all). */
function craftedMismatches(capture: Capture, crafted: Crafted[], tailSampling: Config): string[] {
  const kept = keptTraces(capture);
  return crafted.flatMap((t) => {
    const want = tailDecision(tailSampling, t.traceId, t.spans) === 'sampled' ? t.spans.length : 0;
    const got = kept.get(t.traceId)?.length ?? 0;
    return got === want ? [] : [`${t.cls} trace ${t.traceId}: ${got} of ${t.spans.length} spans kept, want ${want}`];
  });
}

/** The modelled keep probability of a normal trace from `namespace`: the largest applicable probabilistic rate. */
function expectedShare(tailSampling: Config, namespace: string, samples = 20_000): number {
  let kept = 0;
  for (let i = 0; i < samples; i++) {
    const traceId = hex(16);
    const span: SpanRec = { traceId, spanId: '01', parentSpanId: '', name: 'x', kind: 1, status: 0, startNs: 0n, endNs: 5_000_000n, resource: { 'k8s.namespace.name': namespace }, attributes: {} };
    if (tailDecision(tailSampling, traceId, [span]) === 'sampled') kept++;
  }
  return kept / samples;
}

let tiers: Tiers;
let result: RunResult;
let setupError: unknown;
const flow = (): RunResult => {
  if (setupError) throw setupError;
  return result;
};

function requireBinaries(): void {
  const missing = [
    [BINARY, 'npm run otelcol:build:dataflow'],
    [TELEMETRYGEN, 'npm run telemetrygen:build'],
  ].filter(([bin]) => !existsSync(bin));
  if (missing.length) throw new Error(`missing ${missing.map(([b, cmd]) => `${b} (run \`${cmd}\`)`).join(', ')}; both need Go and the Go module proxy`);
}

beforeAll(async () => {
  try {
    requireBinaries();
    tiers = renderedTiers();
    result = await runFlow(tiers, { telemetrygen: true });
    const ts = tailSamplingOf(tiers.tier2.spec.config);
    const ns = namespaces(tiers.tier2);
    const kept = keptByClass(result.capture);
    const lines = [
      `data flow: tiers from ${tiers.source}`,
      ...result.swaps.map((s) => `  swap ${s}`),
      `  sent ${Object.values(result.sent).reduce((a, c) => a + Object.values(c).reduce((x, y) => x + y, 0), 0)} telemetrygen traces + ${result.crafted.length} crafted, ${result.spansSent} spans`,
      ...Object.entries(result.sent).map(([n, c]) =>
        `  ${n}: ${Object.entries(c).map(([cls, k]) => `${cls} ${kept[n]?.[cls]?.traces ?? 0}/${k} kept`).join(', ')}; modelled baseline ${(100 * expectedShare(ts, n)).toFixed(1)}%`),
      `  crafted kept: ${['x-normal', 'x-error', 'x-slow'].map((c) => `${c} ${result.crafted.filter((t) => t.cls === c && keptTraces(result.capture).has(t.traceId)).length}/${result.crafted.filter((t) => t.cls === c).length}`).join(', ')}`,
      `  span-metric calls ${cumulativeTotal(result.capture, isCallsMetric)}, service-graph requests ${cumulativeTotal(result.capture, isServiceGraphRequests)}; as Prometheus series (summed over ${SAMPLER_POD_LABEL}): calls ${seriesTotal(result.capture, isCallsMetric)}, ${sharedSeries(result.capture).length} series written by both instances`,
      `  instances: ${[0, 1].map((i) => `#${i} ${result.capture.traces.filter((r) => r.instance === i).reduce((a, r) => a + r.spans.length, 0)} spans`).join(', ')}; teams ${ns.teamA}, ${ns.teamB}`,
      `  timings: ${Object.entries(result.timings).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`,
    ];
    console.log(lines.join('\n'));
  } catch (e) {
    setupError = e;
  }
}, 170_000);

describe('data flow through the rendered sampling tiers on real collectors (issue #15)', () => {
  it('the sink read every request the tier-2 collectors sent (OTLP/HTTP JSON)', () => {
    expect(flow().problems).toEqual([]);
    expect(flow().capture.traces.length).toBeGreaterThan(0);
  });

  it('every span of a trace reached one tier-2 instance, and both instances took traces', () => {
    expect(splitTraces(flow().capture)).toEqual([]);
    const per = [0, 1].map((i) => flow().capture.traces.filter((r) => r.instance === i).length);
    expect(per.every((n) => n > 0)).toBe(true);
  });

  it('every error and every slow trace is kept whole, in every namespace', () => {
    const kept = keptByClass(flow().capture);
    for (const [ns, classes] of Object.entries(flow().sent)) {
      for (const cls of ['error', 'slow']) {
        expect({ ns, cls, ...kept[ns]?.[cls] }).toEqual({ ns, cls, traces: classes[cls], whole: classes[cls] });
      }
    }
  });

  it('health checks are dropped', () => {
    const kept = keptByClass(flow().capture);
    for (const ns of Object.keys(flow().sent)) expect({ ns, health: kept[ns]?.health?.traces ?? 0 }).toEqual({ ns, health: 0 });
  });

  it("the baseline share of normal traces per namespace is the policy's rate (per-team baselines included), within 4.5 sigma", () => {
    const ts = tailSamplingOf(tiers.tier2.spec.config);
    const kept = keptByClass(flow().capture);
    for (const [ns, classes] of Object.entries(flow().sent)) {
      const n = classes.normal;
      const p = expectedShare(ts, ns);
      const tolerance = 4.5 * Math.sqrt((p * (1 - p)) / n) + 0.01;
      const got = (kept[ns]?.normal?.traces ?? 0) / n;
      expect({ ns, within: Math.abs(got - p) <= tolerance, got, p, tolerance }).toMatchObject({ ns, within: true });
      expect(kept[ns]?.normal?.whole ?? 0).toBe(kept[ns]?.normal?.traces ?? 0);
    }
  });

  it('every multi-service trace is kept whole or dropped whole, exactly as the tail sampler decides (modelled from the config)', () => {
    const { capture, crafted } = flow();
    expect(craftedMismatches(capture, crafted, tailSamplingOf(tiers.tier2.spec.config))).toEqual([]);
    // the model is not vacuous: errors and slow traces kept, some normal ones kept and some not
    const kept = keptTraces(capture);
    const share = (cls: string) => crafted.filter((t) => t.cls === cls && kept.has(t.traceId)).length / crafted.filter((t) => t.cls === cls).length;
    expect([share('x-error'), share('x-slow')]).toEqual([1, 1]);
    expect(share('x-normal')).toBeGreaterThan(0);
    expect(share('x-normal')).toBeLessThan(1);
  });

  it("every kept span went to Tempo with its team's tenant header (the rendered routing table)", () => {
    const { capture } = flow();
    expect(wrongTenants(capture, namespaces(tiers.tier2).tenantOf)).toEqual([]);
    const tenants = new Set(capture.traces.map((r) => r.tenant));
    expect(tenants.size).toBe(3); // two teams and the platform tenant
  });

  it('span metrics count every span sent (before sampling), and the service graph every crafted edge', () => {
    const { capture, spansSent, crafted } = flow();
    expect(cumulativeTotal(capture, isCallsMetric)).toBe(spansSent);
    const edges = cumulativeTotal(capture, (p) => isServiceGraphRequests(p) && /^(web|checkout)-\d$/.test(p.attributes.client));
    expect(edges).toBe(crafted.length * 2);
  });

  it(`the two tier-2 instances' metric series carry distinct ${SAMPLER_POD_LABEL} values, and summed over it the calls equal the spans sent`, () => {
    const { capture, spansSent, crafted } = flow();
    const pods = [0, 1].map((i) => new Set(capture.metrics.filter((p) => p.instance === i).map((p) => p.attributes[SAMPLER_POD_LABEL])));
    // every data point of each instance carries its own pod's name: one value per instance, set, different
    expect(pods.map((s) => [...s])).toEqual([['otel-sampler-collector-0'], ['otel-sampler-collector-1']]);
    // both instances count the same services (trace-id balancing), yet no Prometheus series is written by both
    const services = (i: number) => new Set(capture.metrics.filter((p) => p.instance === i && isCallsMetric(p)).map((p) => p.attributes['service.name']));
    expect([...services(0)].filter((x) => services(1).has(x)).length).toBeGreaterThan(3);
    expect(sharedSeries(capture)).toEqual([]);
    expect(seriesTotal(capture, isCallsMetric)).toBe(spansSent);
    expect(seriesTotal(capture, (p) => isServiceGraphRequests(p) && /^(web|checkout)-\d$/.test(p.attributes.client))).toBe(crafted.length * 2);
  });
});

describe('the data-flow assertions fail when the design is broken', () => {
  it('balancing on the service instead of the trace id splits multi-service traces and loses their errors (a real run)', async () => {
    flow();
    const broken = await runFlow(tiers, {
      telemetrygen: false,
      tier1: (c) => {
        for (const id of Object.keys(c.exporters)) if (TYPES.loadbalancing.includes(typeOf(id))) c.exporters[id].routing_key = 'service';
      },
    });
    expect(broken.problems).toEqual([]);
    const split = splitTraces(broken.capture).length;
    const mismatched = craftedMismatches(broken.capture, broken.crafted, tailSamplingOf(tiers.tier2.spec.config)).length;
    const errorsLost = broken.crafted.filter((t) => t.cls === 'x-error' && (keptTraces(broken.capture).get(t.traceId)?.length ?? 0) < t.spans.length).length;
    console.log(`data flow, routing_key service: ${split} of ${broken.crafted.length} crafted traces split across instances, ${mismatched} not kept or dropped whole, ${errorsLost} of 30 error traces incomplete`);
    expect(split).toBeGreaterThan(0);
    expect(craftedMismatches(broken.capture, broken.crafted, tailSamplingOf(tiers.tier2.spec.config)).length).toBeGreaterThan(0);
  }, 120_000);

  /** What tier 2 would send with `tailSampling` instead of the rendered one: the real run's spans, filtered by the model. */
  const synthetic = (run: RunResult, tailSampling: Config): Capture => {
    const all = new Map<string, SpanRec[]>();
    for (const t of run.crafted) all.set(t.traceId, t.spans);
    return { traces: [{ instance: 0, tenant: undefined, spans: run.crafted.filter((t) => tailDecision(tailSampling, t.traceId, t.spans) === 'sampled').flatMap((t) => t.spans) }], metrics: [] };
  };

  it(`without ${SAMPLER_POD_LABEL} the two instances write the same series and Prometheus' sum falls short (the real run's points, label removed)`, () => {
    const run = flow();
    const unlabelled: Capture = {
      traces: [],
      metrics: run.capture.metrics.map((p) => ({ ...p, attributes: Object.fromEntries(Object.entries(p.attributes).filter(([k]) => k !== SAMPLER_POD_LABEL)) })),
    };
    const shared = sharedSeries(unlabelled, isCallsMetric).length;
    console.log(`data flow, no per-pod label: ${shared} span-metric series written by both instances, calls as series ${seriesTotal(unlabelled, isCallsMetric)} of ${run.spansSent}`);
    expect(shared).toBeGreaterThan(0);
    expect(seriesTotal(unlabelled, isCallsMetric)).toBeLessThan(run.spansSent);
  });

  it('the model reproduces the real run: its capture of the crafted traces is the real one', () => {
    const run = flow();
    const real = keptTraces(run.capture);
    const model = keptTraces(synthetic(run, tailSamplingOf(tiers.tier2.spec.config)));
    expect([...model.keys()].sort()).toEqual(run.crafted.map((t) => t.traceId).filter((id) => real.has(id)).sort());
  });

  it('without the errors policy, error traces are lost', () => {
    const run = flow();
    const ts = structuredClone(tailSamplingOf(tiers.tier2.spec.config));
    ts.policies = ts.policies.filter((p: any) => p.type !== 'status_code');
    const capture = synthetic(run, ts);
    const errors = run.crafted.filter((t) => t.cls === 'x-error');
    const kept = keptTraces(capture);
    expect(errors.filter((t) => !kept.has(t.traceId)).length).toBeGreaterThan(0);
    // and the rendered config keeps them all
    expect(craftedMismatches(capture, errors, tailSamplingOf(tiers.tier2.spec.config)).length).toBeGreaterThan(0);
  });

  it('without the latency policy, slow traces are lost (the test traces are slow by their timestamps alone)', () => {
    const run = flow();
    const ts = structuredClone(tailSamplingOf(tiers.tier2.spec.config));
    ts.policies = ts.policies.filter((p: any) => p.type !== 'latency');
    const kept = keptTraces(synthetic(run, ts));
    expect(run.crafted.filter((t) => t.cls === 'x-slow' && !kept.has(t.traceId)).length).toBeGreaterThan(0);
  });

  it('span metrics and the service graph fed after tail_sampling count only the kept spans (a real run)', async () => {
    flow();
    const broken = await runFlow(tiers, {
      telemetrygen: false,
      // the connectors move from the unsampled pipeline to the sampled one, beside the tenant routing
      tier2: (c) => {
        const pipelines = c.service.pipelines;
        const isMetricsConnector = (e: string) => [...TYPES.spanmetrics, ...TYPES.servicegraph].includes(typeOf(e));
        const connectors = Object.values<any>(pipelines).flatMap((p) => (p.exporters ?? []).filter(isMetricsConnector));
        for (const [id, p] of Object.entries<any>(pipelines)) {
          p.exporters = (p.exporters ?? []).filter((e: string) => !isMetricsConnector(e));
          if (p.exporters.length === 0 && (p.receivers ?? []).some((r: string) => typeOf(r) === 'otlp')) delete pipelines[id];
        }
        const sampled = Object.values<any>(pipelines).find((p) => (p.processors ?? []).some((id: string) => TYPES.tailSampling.includes(typeOf(id))));
        sampled.exporters.push(...new Set(connectors));
      },
    });
    expect(broken.problems).toEqual([]);
    const calls = cumulativeTotal(broken.capture, isCallsMetric);
    const keptSpans = broken.capture.traces.reduce((a, r) => a + r.spans.length, 0);
    console.log(`data flow, metrics after the sampler: span-metric calls ${calls} (kept spans ${keptSpans}) of ${broken.spansSent} spans sent`);
    expect(calls).toBe(keptSpans); // what a sampler-fed connector sees
    expect(calls).toBeLessThan(broken.spansSent); // so the assertion of the rendered config's run fails
  }, 120_000);
});
