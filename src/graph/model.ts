import type { HelmUnit, K8sObject, KustomizeUnit, Unit } from '../components/types.js';
import { isPlainObject } from '../load/merge.js';
import type { Environment } from '../model.js';
import { unitsFor } from '../resolve/units.js';
import { deriveNames, PORTS, TENANT_HEADER } from '../components/names.js';

/**
 * The trace path of one environment as a graph: sources (mesh, edge, instrumented apps) -> collector (and its
 * tenant pipelines) -> Tempo -> Grafana datasources, with ports, protocols and sampling on the edges. Built from
 * the units the planner renders (unitsFor with deriveNames), reading the values and objects that end up in out/
 * (after pass-through values), so the picture shows what is deployed, not what the spec meant. Read only.
 */
export interface GraphNode {
  /** Identifier usable in DOT and Mermaid ([a-z0-9_]). */
  id: string;
  /** The node's name, shown first (bold). */
  title: string;
  lines: string[];
  cluster: ClusterId;
}

export interface GraphEdge {
  from: string;
  to: string;
  lines: string[];
}

export type ClusterId = 'sources' | 'collector' | 'tempo' | 'metrics' | 'grafana' | 'external';

export interface TraceGraph {
  env: string;
  clusters: Array<{ id: ClusterId; title: string }>;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

const safeId = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '_');
const get = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((v, k) => (isPlainObject(v) ? v[k] : undefined), o);
const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));

/** "host:port" or a URL -> host and port. */
function endpoint(value: string): { host: string; port: number; scheme?: string } {
  const m = /^(?:(\w+):\/\/)?([^/:]+)(?::(\d+))?/.exec(value);
  const scheme = m?.[1];
  return { host: m?.[2] ?? value, port: Number(m?.[3] ?? (scheme === 'https' ? 443 : 80)), scheme };
}

/** How a sampler is shown on an edge. */
function sdkSampler(type: string, argument: string): string {
  return type.includes('traceidratio') ? `SDK sampler ${type} ${argument}` : `SDK sampler ${type}`;
}

export function traceGraph(env: Environment): TraceGraph {
  const names = deriveNames(env);
  const units = unitsFor(env, names);
  const helm = (id: string) => units.find((u): u is HelmUnit => u.kind === 'helm' && u.id === id);
  const kustomize = (pred: (u: KustomizeUnit) => boolean) => units.filter((u: Unit): u is KustomizeUnit => u.kind === 'kustomize' && pred(u));
  const object = (u: KustomizeUnit | undefined, kind: string) => u?.objects.find((o) => o.kind === kind);

  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const node = (n: GraphNode) => {
    if (!nodes.some((x) => x.id === n.id)) nodes.push(n);
    return n.id;
  };

  // ---- where senders' endpoints lead: the collector Service, Tempo's distributor, else an external node
  const collectorUnit = kustomize((u) => u.id === 'collector')[0];
  const collector = object(collectorUnit, 'OpenTelemetryCollector');
  const tempoUnit = helm(names.tempoUnit);
  const distributor = endpoint(names.tempoDistributorOtlpGrpc);
  const target = (value: string): string => {
    const e = endpoint(value);
    if (collector && e.host === names.collectorHost) return 'collector';
    if (tempoUnit && e.host === distributor.host) return 'tempo_distributor';
    return node({ id: `external_${safeId(`${e.host}_${e.port}`)}`, title: `${e.host}:${e.port}`, lines: ['not rendered by tracestack'], cluster: 'external' });
  };
  const portOf = (value: string) => endpoint(value).port;

  // ---- sources
  const istiod = helm('istiod');
  if (istiod) {
    const providers = (get(istiod.values, 'meshConfig', 'extensionProviders') as Array<Record<string, unknown>> | undefined) ?? [];
    const meshTelemetry = object(kustomize((u) => u.id === 'istio-telemetry')[0], 'Telemetry');
    const tracing = (get(meshTelemetry, 'spec', 'tracing') as Array<Record<string, unknown>> | undefined)?.[0];
    const used = (tracing?.providers as Array<{ name: string }> | undefined)?.map((p) => p.name) ?? [];
    const overrides = kustomize((u) => u.objects.some((o) => o.kind === 'Telemetry') && u.id !== 'istio-telemetry').map((u) => {
      const pct = get(object(u, 'Telemetry'), 'spec', 'tracing') as Array<Record<string, unknown>> | undefined;
      return `${pct?.[0]?.randomSamplingPercentage}% in ${u.targetNamespaces.join(', ')}`;
    });
    const id = node({ id: 'mesh', title: 'Istio sidecars and gateways', lines: [`istiod ${istiod.namespace} · provider ${used.join(', ') || names.istioProvider}`, ...(env.spec.istio.accessLog ? ['access log with traceparent'] : [])], cluster: 'sources' });
    for (const p of providers.filter((p) => used.includes(String(p.name)) && isPlainObject(p.opentelemetry))) {
      const otel = p.opentelemetry as Record<string, unknown>;
      const http = isPlainObject(otel.http);
      edges.push({
        from: id,
        to: target(`${otel.service}:${otel.port}`),
        lines: [`OTLP ${http ? 'HTTP' : 'gRPC'} :${otel.port}`, `sampling ${tracing?.randomSamplingPercentage}% (Telemetry ${meshTelemetry?.metadata.name})`, ...overrides.map((o) => `sampling ${o}`)],
      });
    }
  }

  const nginx = helm('ingress-nginx');
  if (nginx) {
    const config = (get(nginx.values, 'controller', 'config') as Record<string, string> | undefined) ?? {};
    if (config['enable-opentelemetry'] === 'true') {
      const id = node({ id: 'ingress', title: 'ingress-nginx', lines: [`namespace ${nginx.namespace}`, `service.name ${config['otel-service-name']}`], cluster: 'sources' });
      const sampler = config['otel-sampler'] === 'TraceIdRatioBased' ? `TraceIdRatioBased ${config['otel-sampler-ratio']}` : config['otel-sampler'];
      edges.push({
        from: id,
        to: target(`${config['otlp-collector-host']}:${config['otlp-collector-port']}`),
        lines: [`OTLP gRPC :${config['otlp-collector-port']}`, `sampler ${sampler}${config['otel-sampler-parent-based'] === 'true' ? ', parent-based' : ''}`],
      });
    }
  }

  // instrumented application namespaces: the shared Instrumentation, and each team's (with its languages)
  for (const u of kustomize((u) => u.objects.some((o) => o.kind === 'Instrumentation'))) {
    const inst = object(u, 'Instrumentation') as K8sObject;
    // the namespace's own metadata: a Namespace object of the namespaces units, or managedNamespaceMetadata of an existing one
    const first = u.targetNamespaces[0];
    const ns = object(kustomize((x) => x.targetNamespaces.includes(first) && x.objects.some((o) => o.kind === 'Namespace'))[0], 'Namespace');
    const annotations = ns?.metadata.annotations ?? units.find((x) => x.namespaceMetadata && x.namespace === first)?.namespaceMetadata?.annotations ?? {};
    const team = env.spec.teams.find((t) => names.tenancy?.teamUnit(t.name) === u.id);
    const languages = Object.keys(annotations)
      .filter((a) => a.startsWith('instrumentation.opentelemetry.io/inject-'))
      .map((a) => a.replace('instrumentation.opentelemetry.io/inject-', ''));
    const id = node({
      id: team ? `apps_team_${safeId(team.name)}` : 'apps',
      title: team ? `team ${team.name} apps` : 'instrumented apps',
      lines: [
        `namespaces ${u.targetNamespaces.join(', ')}`,
        languages.length ? `auto-instrumented: ${languages.join(', ')}` : 'languages: the pods\' inject-<language> annotation',
        `propagators ${(get(inst, 'spec', 'propagators') as string[]).join(', ')}`,
      ],
      cluster: 'sources',
    });
    const exp = str(get(inst, 'spec', 'exporter', 'endpoint'));
    const e = endpoint(exp);
    edges.push({ from: id, to: target(exp), lines: [`OTLP ${e.scheme ? 'HTTP' : 'gRPC'} :${e.port}`, sdkSampler(str(get(inst, 'spec', 'sampler', 'type')), str(get(inst, 'spec', 'sampler', 'argument')))] });
  }

  // ---- the collector, and its tenant pipelines when spec.teams routes by namespace
  if (collector && collectorUnit) {
    const config = get(collector, 'spec', 'config') as Record<string, unknown>;
    const protocols = (get(config, 'receivers', 'otlp', 'protocols') as Record<string, { endpoint?: string }> | undefined) ?? {};
    const mode = str(get(collector, 'spec', 'mode'));
    const replicas = get(collector, 'spec', 'replicas');
    node({
      id: 'collector',
      title: `OpenTelemetryCollector ${collector.metadata.name}`,
      lines: [
        `${names.collectorService}.${collectorUnit.namespace}`,
        `${mode}${replicas === undefined ? '' : ` ×${replicas}`}`,
        `receivers ${Object.entries(protocols).map(([p, v]) => `${p === 'grpc' ? 'gRPC' : p.toUpperCase()} :${portOf(str(v.endpoint))}`).join(', ')}`,
        ...(isPlainObject(get(config, 'exporters', 'debug')) ? ['also: debug exporter (logs)'] : []),
      ],
      cluster: 'collector',
    });
    // With tail sampling (spec.sampling.mode tail) tier 1 balances by trace id into tier 2, which computes the
    // metrics from every span, samples, and routes to the tenants (components/collector/sampling.ts).
    const samplerUnit = kustomize((u) => u.id === 'collector-sampler')[0];
    const sampler = object(samplerUnit, 'OpenTelemetryCollector');
    let router = { id: 'collector', config };
    if (sampler && samplerUnit) {
      const sconfig = get(sampler, 'spec', 'config') as Record<string, unknown>;
      const policies = (get(sconfig, 'processors', 'tail_sampling', 'policies') as Array<{ name?: string }> | undefined) ?? [];
      const id = node({
        id: 'collector_sampler',
        title: `OpenTelemetryCollector ${sampler.metadata.name}`,
        lines: [`${sampler.metadata.name}-collector-headless.${samplerUnit.namespace}`, `${str(get(sampler, 'spec', 'mode'))} ×${String(get(sampler, 'spec', 'replicas'))}`, `tail_sampling: ${policies.map((x) => x.name).join(', ')}`],
        cluster: 'collector',
      });
      const lb = Object.values((get(config, 'exporters') as Record<string, Record<string, unknown>>) ?? {}).find((e) => isPlainObject(e) && 'routing_key' in e);
      edges.push({ from: 'collector', to: id, lines: [`load balancing by ${str(lb?.routing_key)}`, `OTLP gRPC :${PORTS.otlpGrpc}`] });
      for (const [exName, ex] of Object.entries((get(sconfig, 'exporters') as Record<string, Record<string, unknown>>) ?? {})) {
        if (!/^prometheus_?remote_?write/.test(exName) || !ex?.endpoint) continue;
        const p = endpoint(str(ex.endpoint));
        const prom = node({ id: 'prometheus', title: 'Prometheus', lines: [`${p.host.replace(`.svc.${names.clusterDomain}`, '')}:${p.port}`, env.spec.prometheus.mode === 'deploy' ? 'kube-prometheus-stack (rendered)' : 'external'], cluster: 'metrics' });
        edges.push({ from: id, to: prom, lines: [`remote write :${p.port}`, 'service graph, span metrics (every span, before sampling)'] });
      }
      router = { id, config: sconfig };
    }
    const exporters = (get(router.config, 'exporters') as Record<string, Record<string, unknown>>) ?? {};
    const toTempo = (from: string, exporterName: string) => {
      const ex = exporters[exporterName];
      if (!ex?.endpoint) return;
      const tenant = get(ex, 'headers', TENANT_HEADER.toLowerCase());
      edges.push({ from, to: target(str(ex.endpoint)), lines: [`OTLP gRPC :${portOf(str(ex.endpoint))}`, ...(tenant ? [`${TENANT_HEADER}: ${tenant}`] : [])] });
    };
    const routing = get(router.config, 'connectors', 'routing') as { default_pipelines?: string[]; table?: Array<{ condition: string; context?: string; pipelines: string[] }> } | undefined;
    const pipelines = (get(router.config, 'service', 'pipelines') as Record<string, { exporters?: string[] }>) ?? {};
    if (routing && names.tenancy) {
      for (const t of names.tenancy.tenants) {
        const mine = (routing.table ?? []).filter((r) => r.pipelines.includes(t.pipeline));
        // resource rows: the sender's namespace; span rows: a gateway's or waypoint's span, by its destination
        const rows = mine.filter((r) => (r.context ?? 'resource') === 'resource').map((r) => /== "([^"]*)"$/.exec(r.condition)?.[1] ?? r.condition);
        const proxied = mine.some((r) => r.context === 'span');
        const isDefault = routing.default_pipelines?.includes(t.pipeline);
        const id = node({ id: `tenant_${safeId(t.id)}`, title: `tenant ${t.id}`, lines: [`pipeline ${t.pipeline}`], cluster: 'collector' });
        edges.push({ from: router.id, to: id, lines: [isDefault ? 'routing: every other namespace' : `routing: namespace ${rows.join(', ')}`, ...(proxied ? ['and proxy spans to them'] : [])] });
        for (const ex of pipelines[t.pipeline]?.exporters ?? []) toTempo(id, ex);
      }
    } else {
      for (const ex of (sampler ? pipelines['traces/sampled'] : pipelines.traces)?.exporters ?? []) toTempo(router.id, ex);
    }
  }

  // ---- Tempo: distributor in, query-frontend out, the metrics-generator to Prometheus
  if (tempoUnit) {
    const t = env.spec.tempo;
    const storage = t.storage;
    const bucket = storage.backend === 's3' ? storage.s3?.bucket : storage.backend === 'gcs' ? storage.gcs?.bucketName : storage.azure?.containerName;
    const multi = get(tempoUnit.values, 'multitenancyEnabled') === true;
    node({ id: 'tempo_distributor', title: 'Tempo distributor', lines: [`${distributor.host.replace(`.svc.${names.clusterDomain}`, '')}`, `OTLP gRPC :${distributor.port}`, ...(multi ? [`multi-tenant (${TENANT_HEADER})`] : [])], cluster: 'tempo' });
    const qf = endpoint(names.tempoQueryFrontendUrl);
    node({ id: 'tempo_query_frontend', title: 'Tempo query-frontend', lines: [`${qf.host.replace(`.svc.${names.clusterDomain}`, '')}`, `HTTP :${qf.port}`], cluster: 'tempo' });
    // Tempo 3 writes through Kafka: block-builders build the blocks (tempo-distributed 3.3.0; grafana/tempo v3.0.3 UPGRADE.md)
    const writePath = tempoUnit.id === 'tempo3' ? `Kafka ${t.kafka.topic} → block-builders` : 'ingesters';
    edges.push({ from: 'tempo_distributor', to: 'tempo_query_frontend', lines: [`${writePath} → ${storage.backend} ${bucket ?? ''}`.trim(), `retention ${t.retention}`] });
    const rw = get(tempoUnit.values, 'metricsGenerator', 'config', 'storage', 'remote_write') as Array<{ url: string }> | undefined;
    if (get(tempoUnit.values, 'metricsGenerator', 'enabled') === true && rw?.length) {
      // with tail sampling the collector's tier 2 computes service graphs and span metrics; the generator leaves them out
      const tail = kustomize((u) => u.id === 'collector-sampler').length > 0;
      const processors = tail ? t.metricsGenerator.processors.filter((p) => p !== 'service-graphs' && p !== 'span-metrics') : t.metricsGenerator.processors;
      node({ id: 'tempo_metrics_generator', title: 'Tempo metrics-generator', lines: [processors.join(', ') || 'no processors (the collector computes the metrics)'], cluster: 'tempo' });
      edges.push({ from: 'tempo_distributor', to: 'tempo_metrics_generator', lines: ['spans'] });
      for (const w of rw) {
        const p = endpoint(w.url);
        const id = node({ id: 'prometheus', title: 'Prometheus', lines: [`${p.host.replace(`.svc.${names.clusterDomain}`, '')}:${p.port}`, env.spec.prometheus.mode === 'deploy' ? 'kube-prometheus-stack (rendered)' : 'external'], cluster: 'metrics' });
        edges.push({ from: 'tempo_metrics_generator', to: id, lines: [`remote write :${p.port}`, tail ? processors.join(', ') || 'no metrics' : 'service graph, span metrics'] });
      }
    }
  }

  // ---- Grafana's datasources that read traces (and the service graph)
  const grafana = helm('grafana');
  if (grafana) {
    const list = (get(grafana.values, 'datasources', 'datasources.yaml', 'datasources') as Array<Record<string, unknown>> | undefined) ?? [];
    for (const ds of list) {
      const type = str(ds.type);
      const org = ds.orgId === undefined ? 1 : Number(ds.orgId);
      const tenant = get(ds, 'secureJsonData', 'httpHeaderValue1');
      if (type === 'tempo') {
        const id = node({ id: `ds_${safeId(str(ds.uid))}_org${org}`, title: `Grafana datasource ${ds.name}`, lines: [`uid ${ds.uid} · org ${org}`], cluster: 'grafana' });
        const from = tempoUnit && endpoint(str(ds.url)).host === endpoint(names.tempoQueryFrontendUrl).host ? 'tempo_query_frontend' : target(str(ds.url));
        edges.push({ from, to: id, lines: [`HTTP :${portOf(str(ds.url))} (TraceQL)`, ...(tenant ? [`${TENANT_HEADER}: ${tenant}`] : [])] });
      } else if (type === 'prometheus' && nodes.some((n) => n.id === 'prometheus')) {
        const id = node({ id: `ds_${safeId(str(ds.uid))}_org${org}`, title: `Grafana datasource ${ds.name}`, lines: [`uid ${ds.uid} · org ${org}`, 'service map, trace-to-metrics'], cluster: 'grafana' });
        edges.push({ from: 'prometheus', to: id, lines: [`HTTP :${portOf(str(ds.url))} (PromQL)`] });
      }
    }
  }

  const titles: Record<ClusterId, string> = {
    sources: 'Sources',
    collector: collectorUnit ? `Collector · namespace ${collectorUnit.namespace}` : 'Collector',
    tempo: tempoUnit ? `Tempo · namespace ${tempoUnit.namespace}` : 'Tempo',
    metrics: 'Metrics',
    grafana: grafana ? `Grafana · namespace ${grafana.namespace}` : 'Grafana',
    external: 'Not rendered by tracestack',
  };
  const order: ClusterId[] = ['sources', 'collector', 'tempo', 'metrics', 'grafana', 'external'];
  const clusters = order.filter((c) => nodes.some((n) => n.cluster === c)).map((id) => ({ id, title: titles[id] }));
  return { env: env.metadata.name, clusters, nodes, edges };
}
