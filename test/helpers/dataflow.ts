/**
 * The data-flow harness of test/dataflow.test.ts: the swaps that let the rendered sampling tiers run on one machine,
 * a Node OTLP/HTTP JSON sink, collector and telemetrygen processes, a model of the tail sampler's decision, and the
 * assertions as pure functions over what the sink captured (so a mutated config or a synthetic capture can be
 * checked with the same code).
 *
 * Component types: collector 0.158 registers the new names (load_balancing, span_metrics, service_graph,
 * otlp_grpc, otlp_http, prometheus_remote_write) and the old ones as deprecated aliases; a rendered config may use
 * either (opentelemetry-collector-contrib v0.158.0, each component's metadata.yaml).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createConnection, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, inflateSync } from 'node:zlib';
import { stringify } from 'yaml';

export const TYPES = {
  loadbalancing: ['loadbalancing', 'load_balancing'],
  tailSampling: ['tail_sampling'],
  spanmetrics: ['spanmetrics', 'span_metrics'],
  servicegraph: ['servicegraph', 'service_graph'],
  remoteWrite: ['prometheusremotewrite', 'prometheus_remote_write'],
  otlpGrpc: ['otlp', 'otlp_grpc'],
  k8sAttributes: ['k8s_attributes', 'k8sattributes'],
  routing: ['routing'],
};
export const typeOf = (id: string): string => id.split('/')[0];
const ofType = (section: Record<string, any> | undefined, types: string[]): string[] =>
  Object.keys(section ?? {}).filter((id) => types.includes(typeOf(id)));

export type Config = Record<string, any>;

/** Tier 1 is the collector with a loadbalancing exporter, tier 2 the one with a tail_sampling processor. */
export function findTiers(collectors: Array<{ kind?: string; spec?: { config?: Config } }>): { tier1: any; tier2: any } {
  const cols = collectors.filter((o) => o.kind === 'OpenTelemetryCollector');
  const tier1 = cols.filter((c) => ofType(c.spec?.config?.exporters, TYPES.loadbalancing).length > 0);
  const tier2 = cols.filter((c) => ofType(c.spec?.config?.processors, TYPES.tailSampling).length > 0);
  if (tier1.length !== 1 || tier2.length !== 1) {
    throw new Error(`expected one collector with a loadbalancing exporter and one with tail_sampling, found ${tier1.length} and ${tier2.length}`);
  }
  return { tier1: tier1[0], tier2: tier2[0] };
}

/** Renames a component id in every pipeline of the service (receivers, processors and exporters lists). */
function renameInPipelines(config: Config, from: string, to: string | null): void {
  for (const p of Object.values<any>(config.service?.pipelines ?? {})) {
    for (const list of ['receivers', 'processors', 'exporters']) {
      if (!Array.isArray(p[list])) continue;
      p[list] = p[list].flatMap((id: string) => (id === from ? (to === null ? [] : [to]) : [id]));
    }
  }
}

/** The collector's own telemetry off: three collectors on one machine would each claim its port 8888. */
function quietTelemetry(config: Config, swaps: string[]): void {
  config.service.telemetry = { ...(config.service.telemetry ?? {}), metrics: { level: 'none' } };
  swaps.push('service.telemetry.metrics.level: none (each collector would serve its own metrics on :8888)');
}

function otlpReceiverOn(config: Config, grpcPort: number, httpPort: number | undefined, swaps: string[]): void {
  const ids = ofType(config.receivers, ['otlp']);
  if (ids.length !== 1) throw new Error(`expected one otlp receiver, found ${ids.join(', ') || 'none'}`);
  const protocols = config.receivers[ids[0]].protocols ?? {};
  if (!protocols.grpc) throw new Error(`receiver ${ids[0]} has no grpc protocol (the loadbalancing exporter speaks OTLP/gRPC)`);
  protocols.grpc.endpoint = `127.0.0.1:${grpcPort}`;
  if (httpPort === undefined) delete protocols.http;
  else protocols.http = { ...(protocols.http ?? {}), endpoint: `127.0.0.1:${httpPort}` };
  config.receivers[ids[0]].protocols = protocols;
  swaps.push(`receiver ${ids[0]} on 127.0.0.1 (grpc :${grpcPort}${httpPort === undefined ? '' : `, http :${httpPort}`})`);
}

export interface Swapped {
  config: Config;
  /** What was changed, in words, for the test output. */
  swaps: string[];
}

/**
 * Tier 1 on a laptop: k8s_attributes (needs the Kubernetes API) and the resource processor that deletes a
 * sender-claimed k8s.namespace.name are removed: the sender sets k8s.namespace.name itself, standing in for the
 * pod lookup (which sets the same attribute from the pod's namespace). The loadbalancing exporter's resolver (dns
 * or k8s, the headless Service of tier 2) is replaced by `static` with the local tier-2 endpoints; its routing_key
 * and protocol stay as rendered.
 */
export function swapTier1(rendered: Config, opts: { grpcPort: number; httpPort: number; tier2: string[] }): Swapped {
  const config = structuredClone(rendered);
  const swaps: string[] = [];
  otlpReceiverOn(config, opts.grpcPort, opts.httpPort, swaps);
  for (const id of Object.keys(config.processors ?? {})) {
    const p = config.processors[id];
    const dropsNamespace =
      typeOf(id) === 'resource' &&
      Array.isArray(p?.attributes) &&
      p.attributes.every((a: any) => a.action === 'delete' && a.key === 'k8s.namespace.name');
    if (TYPES.k8sAttributes.includes(typeOf(id)) || dropsNamespace) {
      delete config.processors[id];
      renameInPipelines(config, id, null);
      swaps.push(`processor ${id} removed (the sender sets k8s.namespace.name, standing in for the pod lookup)`);
    }
  }
  const lbs = ofType(config.exporters, TYPES.loadbalancing);
  if (lbs.length !== 1) throw new Error(`tier 1: expected one loadbalancing exporter, found ${lbs.length}`);
  const lb = config.exporters[lbs[0]];
  swaps.push(`exporter ${lbs[0]}: resolver ${Object.keys(lb.resolver ?? {}).join(',')} -> static [${opts.tier2.join(', ')}] (routing_key ${lb.routing_key ?? '(default traceID)'} kept)`);
  lb.resolver = { static: { hostnames: opts.tier2 } };
  quietTelemetry(config, swaps);
  return { config, swaps };
}

/** otlp_grpc settings that mean the same on otlp_http (exporterhelper and confighttp/configtls fields). */
const PORTABLE_EXPORTER_KEYS = ['headers', 'retry_on_failure', 'sending_queue', 'timeout'];

/**
 * Tier 2 on a laptop: its tenant exporters (otlp_grpc with an x-scope-orgid header, to Tempo's distributor) become
 * otlp_http exporters with `encoding: json` to the sink, KEEPING their headers, queue and retry settings; the
 * remote-write exporter becomes otlp_http json to the same sink (the sink reads OTLP metrics, not remote write).
 * Timing only: decision_wait is capped at `decisionWait` seconds, and the span-metrics and service-graph connectors
 * flush every second instead of every minute, so the test waits seconds rather than minutes.
 */
export function swapTier2(rendered: Config, opts: { grpcPort: number; sinkPort: number; decisionWaitSeconds: number }): Swapped {
  const config = structuredClone(rendered);
  const swaps: string[] = [];
  otlpReceiverOn(config, opts.grpcPort, undefined, swaps);
  const sink = `http://127.0.0.1:${opts.sinkPort}`;
  for (const id of Object.keys(config.exporters ?? {})) {
    const e = config.exporters[id];
    const name = id.includes('/') ? id.slice(id.indexOf('/') + 1) : '';
    if (TYPES.otlpGrpc.includes(typeOf(id))) {
      const to = `otlp_http/${name || 'default'}`;
      const kept = Object.fromEntries(PORTABLE_EXPORTER_KEYS.filter((k) => k in e).map((k) => [k, e[k]]));
      config.exporters[to] = { ...kept, endpoint: sink, encoding: 'json', compression: 'none' };
      delete config.exporters[id];
      renameInPipelines(config, id, to);
      swaps.push(`exporter ${id} -> ${to} ${sink} json, headers ${JSON.stringify(e.headers ?? {})} kept`);
    } else if (TYPES.remoteWrite.includes(typeOf(id))) {
      const to = `otlp_http/metrics-sink${name ? `-${name}` : ''}`;
      config.exporters[to] = { endpoint: sink, encoding: 'json', compression: 'none' };
      delete config.exporters[id];
      renameInPipelines(config, id, to);
      swaps.push(`exporter ${id} -> ${to} ${sink} json (OTLP metrics instead of remote write)`);
    }
  }
  for (const id of ofType(config.processors, TYPES.tailSampling)) {
    const ts = config.processors[id];
    const wait = seconds(ts.decision_wait ?? '30s'); // tailsamplingprocessor v0.158.0 factory.go: default 30s
    if (wait > opts.decisionWaitSeconds) {
      swaps.push(`${id}.decision_wait ${ts.decision_wait ?? '30s (default)'} -> ${opts.decisionWaitSeconds}s (time; every span of a test trace arrives within a second, its duration is in its timestamps)`);
      ts.decision_wait = `${opts.decisionWaitSeconds}s`;
    }
  }
  for (const id of [...ofType(config.connectors, TYPES.spanmetrics), ...ofType(config.connectors, TYPES.servicegraph)]) {
    config.connectors[id] = { ...(config.connectors[id] ?? {}), metrics_flush_interval: '1s' };
    swaps.push(`connector ${id}: metrics_flush_interval 1s (default 60s)`);
  }
  quietTelemetry(config, swaps);
  return { config, swaps };
}

/** "5s", "250ms", "1m" -> seconds. */
export function seconds(d: string | number): number {
  if (typeof d === 'number') return d / 1e9; // mapstructure reads a bare number as nanoseconds
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(d.trim());
  if (!m) throw new Error(`unparsed duration ${d}`);
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

// ---------------------------------------------------------------------------------------------------------------
// What the sink records

export interface SpanRec {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  /** 0 unset, 1 ok, 2 error (OTLP Status.code) */
  status: number;
  startNs: bigint;
  endNs: bigint;
  resource: Record<string, string>;
  attributes: Record<string, string>;
}
export interface TraceRequest {
  /** which tier-2 instance sent it (each has its own sink port) */
  instance: number;
  tenant: string | undefined;
  spans: SpanRec[];
}
export interface MetricPoint {
  instance: number;
  metric: string;
  resource: Record<string, string>;
  attributes: Record<string, string>;
  value: number;
  timeNs: bigint;
}
export interface Capture {
  traces: TraceRequest[];
  metrics: MetricPoint[];
}

const anyValue = (v: any): string => {
  if (v == null) return '';
  if ('stringValue' in v) return String(v.stringValue);
  if ('intValue' in v) return String(v.intValue);
  if ('boolValue' in v) return String(v.boolValue);
  if ('doubleValue' in v) return String(v.doubleValue);
  return JSON.stringify(v);
};
const attrs = (list: any[] | undefined): Record<string, string> =>
  Object.fromEntries((list ?? []).map((kv: any) => [kv.key, anyValue(kv.value)]));

/** OTLP/JSON trace ids are hex (the OTLP/HTTP JSON mapping), as they are here throughout. */
export function spansOf(body: any): SpanRec[] {
  const out: SpanRec[] = [];
  for (const rs of body.resourceSpans ?? []) {
    const resource = attrs(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ?? '',
          name: s.name,
          kind: s.kind ?? 0,
          status: s.status?.code ?? 0,
          startNs: BigInt(s.startTimeUnixNano ?? 0),
          endNs: BigInt(s.endTimeUnixNano ?? 0),
          resource,
          attributes: attrs(s.attributes),
        });
      }
    }
  }
  return out;
}

export function pointsOf(body: any, instance: number): MetricPoint[] {
  const out: MetricPoint[] = [];
  for (const rm of body.resourceMetrics ?? []) {
    const resource = attrs(rm.resource?.attributes);
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        const dps = m.sum?.dataPoints ?? m.gauge?.dataPoints ?? m.histogram?.dataPoints ?? [];
        for (const dp of dps) {
          const value = Number(dp.asInt ?? dp.asDouble ?? dp.count ?? 0);
          out.push({ instance, metric: m.name, resource, attributes: attrs(dp.attributes), value, timeNs: BigInt(dp.timeUnixNano ?? 0) });
        }
      }
    }
  }
  return out;
}

function bodyOf(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const enc = req.headers['content-encoding'];
      try {
        resolve(enc === 'gzip' ? gunzipSync(raw) : enc === 'deflate' ? inflateSync(raw) : raw);
      } catch (e) {
        reject(e);
      }
    });
    req.on('error', reject);
  });
}

export interface Sink {
  /** one port per tier-2 instance, in instance order */
  ports: number[];
  capture: Capture;
  /** requests the sink could not read (content type, encoding, path) */
  problems: string[];
  /** when the last trace request arrived (Date.now()), 0 before the first */
  lastTraceAt: () => number;
  close(): Promise<void>;
}

/** An OTLP/HTTP JSON receiver per tier-2 instance, recording the instance, the x-scope-orgid header and the data. */
export async function startSink(instances: number): Promise<Sink> {
  const capture: Capture = { traces: [], metrics: [] };
  const problems: string[] = [];
  let lastTrace = 0;
  const servers: Server[] = [];
  for (let instance = 0; instance < instances; instance++) {
    const server = createServer(async (req, res) => {
      try {
        const type = String(req.headers['content-type'] ?? '');
        const body = await bodyOf(req);
        if (!type.startsWith('application/json')) throw new Error(`content-type ${type} (the swapped exporters send json)`);
        const json = JSON.parse(body.toString('utf8'));
        if (req.url === '/v1/traces') {
          const tenant = req.headers['x-scope-orgid'];
          capture.traces.push({ instance, tenant: Array.isArray(tenant) ? tenant.join(',') : tenant, spans: spansOf(json) });
          lastTrace = Date.now();
        } else if (req.url === '/v1/metrics') {
          capture.metrics.push(...pointsOf(json, instance));
        } else throw new Error(`path ${req.url}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch (e) {
        problems.push(`instance ${instance} ${req.method} ${req.url}: ${(e as Error).message}`);
        res.writeHead(400, { 'content-type': 'application/json' }).end('{}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
  }
  return {
    ports: servers.map((s) => (s.address() as { port: number }).port),
    capture,
    problems,
    lastTraceAt: () => lastTrace,
    close: () => Promise.all(servers.map((s) => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); }))).then(() => undefined),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Processes

/** A port free at the time of asking (the kernel's choice; a collector binds it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const c = createConnection({ host: '127.0.0.1', port }, () => { c.destroy(); resolve(true); });
    c.on('error', () => resolve(false));
  });

export interface Running {
  name: string;
  proc: ChildProcess;
  log: () => string;
  stop(): Promise<void>;
}

/**
 * Starts `binary --config=<file>` and waits until `port` accepts connections (fails with the collector's log). `env`
 * is added to the process environment: the container environment the operator would give the pod (collectorEnv in
 * test/helpers/collector-env.ts), which `${env:...}` in the config resolves from.
 */
export async function startCollector(binary: string, name: string, config: Config, port: number, env: Record<string, string> = {}): Promise<Running> {
  const file = join(mkdtempSync(join(tmpdir(), `dataflow-${name}-`)), 'config.yaml');
  writeFileSync(file, stringify(config));
  const proc = spawn(binary, [`--config=${file}`], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let log = '';
  proc.stdout!.on('data', (d) => (log += d));
  proc.stderr!.on('data', (d) => (log += d));
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) => proc.on('exit', (code) => { exited = code; resolve(); }));
  const running: Running = {
    name,
    proc,
    log: () => log,
    async stop() {
      if (exited !== undefined) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await exit;
      clearTimeout(t);
    },
  };
  const deadline = Date.now() + 30_000;
  while (!(await accepts(port))) {
    if (exited !== undefined) throw new Error(`collector ${name} exited ${exited} before listening on :${port}:\n${log}`);
    if (Date.now() > deadline) {
      await running.stop();
      throw new Error(`collector ${name} not listening on :${port} after 30s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return running;
}

/** Runs a command to completion; rejects with its output when it exits non-zero. */
export function run(binary: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (out += d));
    proc.on('error', reject);
    proc.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${binary} ${args.join(' ')} exited ${code}:\n${out}`))));
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The tail sampler's decision, modelled (tailsamplingprocessor v0.158.0: processor.go makeDecision, and
// internal/sampling/{status_code,latency,probabilistic,string_tag_filter,and,drop,always_sample}.go)

export type Decision = 'sampled' | 'not-sampled' | 'dropped';

/** FNV-1a 64 of the salt then the 16 trace-id bytes (probabilistic.go hashTraceID). */
export function fnv1a64(salt: string, traceIdHex: string): bigint {
  let h = 0xcbf29ce484222325n;
  const bytes = [...Buffer.from(salt, 'utf8'), ...Buffer.from(traceIdHex, 'hex')];
  for (const b of bytes) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h;
}

/** MaxUint64 * ratio, truncated (probabilistic.go calculateThreshold; exact but for its 64-bit float rounding). */
export function probabilisticThreshold(percentage: number): bigint {
  const ratio = percentage / 100;
  if (ratio >= 1) return 0xffffffffffffffffn;
  if (ratio <= 0) return -1n;
  // ratio as an exact binary fraction: mantissa / 2^k
  let k = 0n;
  let r = ratio;
  while (!Number.isInteger(r)) { r *= 2; k++; }
  return (0xffffffffffffffffn * BigInt(r)) >> k;
}

const STATUS: Record<string, number> = { UNSET: 0, OK: 1, ERROR: 2 };

function evaluate(policy: any, traceId: string, spans: SpanRec[]): Decision {
  const cfg = policy[policy.type] ?? {};
  switch (policy.type) {
    case 'always_sample':
      return 'sampled';
    case 'status_code': {
      const codes = (cfg.status_codes as string[]).map((c) => STATUS[c.toUpperCase()]);
      return spans.some((s) => codes.includes(s.status)) ? 'sampled' : 'not-sampled';
    }
    case 'latency': {
      const start = spans.reduce((m, s) => (s.startNs < m ? s.startNs : m), spans[0].startNs);
      const end = spans.reduce((m, s) => (s.endNs > m ? s.endNs : m), spans[0].endNs);
      const ms = Number((end - start) / 1_000_000n);
      const upper = cfg.upper_threshold_ms ?? 0;
      const hit = upper === 0 ? ms > cfg.threshold_ms : cfg.threshold_ms < ms && ms <= upper;
      return hit ? 'sampled' : 'not-sampled';
    }
    case 'probabilistic': {
      const salt = cfg.hash_salt || 'default-hash-seed';
      return fnv1a64(salt, traceId) <= probabilisticThreshold(cfg.sampling_percentage ?? 0) ? 'sampled' : 'not-sampled';
    }
    case 'string_attribute': {
      const match = cfg.enabled_regex_matching
        ? (v: string) => (cfg.values as string[]).some((re) => new RegExp(re).test(v))
        : (v: string) => (cfg.values as string[]).includes(v);
      const hit = spans.some((s) => (cfg.key in s.resource && match(s.resource[cfg.key])) || (s.attributes[cfg.key] ? match(s.attributes[cfg.key]) : false));
      // invert_match: sampled when no resource and no span matches (util.go invertHasResourceOrSpanWithCondition)
      return hit !== Boolean(cfg.invert_match) ? 'sampled' : 'not-sampled';
    }
    case 'and':
      return (cfg.and_sub_policy as any[]).every((p) => evaluate(p, traceId, spans) === 'sampled') ? 'sampled' : 'not-sampled';
    case 'drop':
      return (cfg.drop_sub_policy as any[]).every((p) => evaluate(p, traceId, spans) === 'sampled') ? 'dropped' : 'not-sampled';
    default:
      throw new Error(`tail_sampling policy type ${policy.type} is not modelled`);
  }
}

/** The decision of a tail_sampling config on one whole trace: dropped over sampled over not sampled. */
export function tailDecision(tailSampling: Config, traceId: string, spans: SpanRec[]): Decision {
  const decisions = (tailSampling.policies as any[]).map((p) => evaluate(p, traceId, spans));
  if (decisions.includes('dropped')) return 'dropped';
  return decisions.includes('sampled') ? 'sampled' : 'not-sampled';
}

/** The tail_sampling processor of a tier-2 config, and whether a spans-to-metrics connector sees spans before it. */
export function tailSamplingOf(config: Config): Config {
  const ids = ofType(config.processors, TYPES.tailSampling);
  if (ids.length !== 1) throw new Error(`expected one tail_sampling processor, found ${ids.length}`);
  return config.processors[ids[0]];
}

// ---------------------------------------------------------------------------------------------------------------
// Assertions: pure functions of a capture, each returning what is wrong (empty when right)

/** Every span of a trace reached one tier-2 instance. */
export function splitTraces(capture: Capture): string[] {
  const where = new Map<string, Set<number>>();
  for (const r of capture.traces) for (const s of r.spans) {
    if (!where.has(s.traceId)) where.set(s.traceId, new Set());
    where.get(s.traceId)!.add(r.instance);
  }
  return [...where].filter(([, set]) => set.size > 1).map(([id, set]) => `${id} on instances ${[...set].join('+')}`);
}

/** Spans by trace id, over every request of the capture. */
export function keptTraces(capture: Capture): Map<string, SpanRec[]> {
  const out = new Map<string, SpanRec[]>();
  for (const r of capture.traces) for (const s of r.spans) {
    if (!out.has(s.traceId)) out.set(s.traceId, []);
    out.get(s.traceId)!.push(s);
  }
  return out;
}

/** Traces that must be whole in the capture: each missing trace or missing span, by class. */
export function missingKept(capture: Capture, mustKeep: Array<{ traceId?: string; cls: string; spans: number; match?: (s: SpanRec) => boolean }>): string[] {
  const kept = keptTraces(capture);
  const out: string[] = [];
  for (const t of mustKeep) {
    const got = t.traceId ? (kept.get(t.traceId) ?? []) : [];
    if (got.length !== t.spans) out.push(`${t.cls} trace ${t.traceId}: ${got.length} of ${t.spans} spans kept`);
  }
  return out;
}

/** Each kept span went out with its team's tenant header (tenantOf: the rendered routing table, per span). */
export function wrongTenants(capture: Capture, tenantOf: (s: SpanRec) => string): string[] {
  const out: string[] = [];
  for (const r of capture.traces) for (const s of r.spans) {
    const want = tenantOf(s);
    if (r.tenant !== want) out.push(`span ${s.spanId} of ${s.resource['k8s.namespace.name'] ?? '(no namespace)'} sent with x-scope-orgid ${r.tenant ?? '(none)'}, want ${want}`);
  }
  return out;
}

/**
 * A cumulative counter summed over series and instances: the last (largest: cumulative sums only grow) value of each
 * series (instance, resource, attributes), added up. `where` picks the data points of one metric.
 */
export function cumulativeTotal(capture: Capture, where: (p: MetricPoint) => boolean): number {
  const last = new Map<string, number>();
  for (const p of capture.metrics.filter(where)) {
    const key = JSON.stringify([p.instance, p.metric, Object.entries(p.resource).sort(), Object.entries(p.attributes).sort()]);
    last.set(key, Math.max(last.get(key) ?? 0, p.value));
  }
  return [...last.values()].reduce((a, b) => a + b, 0);
}

/** The span-metrics calls counter (<namespace>.calls, or calls / calls_total under other naming). */
export const isCallsMetric = (p: MetricPoint): boolean => /(^|[._])calls(_total)?$/.test(p.metric);
/** The service graph's request counter. */
export const isServiceGraphRequests = (p: MetricPoint): boolean => p.metric === 'traces_service_graph_request_total';

/** A series as Prometheus stores it: metric, resource and data-point attributes; not which process sent it. */
const seriesKey = (p: MetricPoint): string => JSON.stringify([p.metric, Object.entries(p.resource).sort(), Object.entries(p.attributes).sort()]);

/**
 * Series that more than one tier-2 instance writes: in Prometheus their cumulative counters would interleave in one
 * series. `where` picks the data points to look at.
 */
export function sharedSeries(capture: Capture, where: (p: MetricPoint) => boolean = () => true): string[] {
  const by = new Map<string, Set<number>>();
  for (const p of capture.metrics.filter(where)) {
    const k = seriesKey(p);
    if (!by.has(k)) by.set(k, new Set());
    by.get(k)!.add(p.instance);
  }
  return [...by].filter(([, set]) => set.size > 1).map(([k, set]) => `${k} from instances ${[...set].join('+')}`);
}

/**
 * A cumulative counter as Prometheus would sum it: per series (not per sending instance), the last value written, added
 * up (sum over every label, the per-pod one included). Where two instances share a series, the later sample of the
 * other counter overwrites the first: the total is then short.
 */
export function seriesTotal(capture: Capture, where: (p: MetricPoint) => boolean): number {
  const last = new Map<string, { t: bigint; v: number }>();
  for (const p of capture.metrics.filter(where)) {
    const k = seriesKey(p);
    const have = last.get(k);
    if (!have || p.timeNs >= have.t) last.set(k, { t: p.timeNs, v: p.value });
  }
  return [...last.values()].reduce((a, b) => a + b.v, 0);
}
