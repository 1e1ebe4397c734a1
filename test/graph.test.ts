import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import DOMPurify from 'dompurify';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { readInputs } from '../src/cli/io.js';
import { traceGraph, type TraceGraph } from '../src/graph/model.js';
import { toDot, toMermaid, toSvg } from '../src/graph/render.js';
import { validateInputs } from '../src/pipeline.js';
import { editFile, REPO, runCli, scratchRepo } from './helpers/repo.js';
import { gitIn, gitScratchRepo } from './helpers/git.js';

const examples = () => {
  const r = validateInputs(readInputs(REPO));
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r.environments;
};
const graphOf = (name: string) => traceGraph(examples().find((e) => e.metadata.name === name)!);
const edge = (g: TraceGraph, from: string, to: string) => g.edges.find((e) => e.from === from && e.to === to)?.lines;

/**
 * mermaid's own parser (the flowchart grammar GitHub renders with). It runs in Node; only its label sanitiser needs
 * a browser's DOMPurify, so that is stubbed (labels are passed through unsanitised, which does not change parsing).
 */
type MermaidDb = { getVertices(): Map<string, { id: string; text: string }>; getEdges(): Array<{ start: string; end: string; text: string }>; getSubGraphs(): Array<{ id: string; title: string; nodes: string[] }> };
let mermaid: { parse(text: string): Promise<unknown>; mermaidAPI: { getDiagramFromText(text: string): Promise<{ db: MermaidDb }> } };
beforeAll(async () => {
  const purify = DOMPurify as unknown as { addHook?: unknown; sanitize?: unknown };
  purify.addHook ??= () => undefined;
  purify.sanitize ??= (s: string) => s;
  mermaid = (await import('mermaid')).default as unknown as typeof mermaid;
}, 60_000);

describe('the trace-path graph model (from the units generate renders)', () => {
  it('prod: mesh, edge and apps send to the collector with their protocols, ports and sampling; the collector to Tempo; Tempo to Grafana', () => {
    const g = graphOf('prod');
    expect(edge(g, 'mesh', 'collector')).toEqual(['OTLP gRPC :4317', 'sampling 5% (Telemetry mesh-default)']);
    expect(edge(g, 'ingress', 'collector')).toEqual(['OTLP gRPC :4317', 'sampler TraceIdRatioBased 0.05, parent-based']);
    expect(edge(g, 'apps', 'collector')).toEqual(['OTLP HTTP :4318', 'SDK sampler parentbased_traceidratio 0.05']);
    expect(edge(g, 'collector', 'tempo_distributor')).toEqual(['OTLP gRPC :4317']);
    expect(edge(g, 'tempo_query_frontend', 'ds_tempo_org1')).toEqual(['HTTP :3200 (TraceQL)']);
    expect(g.nodes.find((n) => n.id === 'apps')!.lines[0]).toBe('namespaces payments, shop');
    expect(g.nodes.find((n) => n.id === 'collector')!.lines).toContain('deployment ×3');
  });

  it('teams-demo: the collector routes namespaces to tenant pipelines, each exporting with its X-Scope-OrgID, read by its own datasource', () => {
    const g = graphOf('teams-demo');
    // the edge is an Istio gateway: its spans to shop's services are routed to shop too
    expect(edge(g, 'collector', 'tenant_shop')).toEqual(['routing: namespace shop, shop-web', 'and proxy spans to them']);
    expect(edge(g, 'collector', 'tenant_payments')).toEqual(['routing: namespace payments', 'and proxy spans to them']);
    expect(edge(g, 'collector', 'tenant_platform')).toEqual(['routing: every other namespace']);
    expect(edge(g, 'tenant_shop', 'tempo_distributor')).toEqual(['OTLP gRPC :4317', 'X-Scope-OrgID: shop']);
    expect(edge(g, 'tempo_query_frontend', 'ds_tempo_payments_org1')).toEqual(['HTTP :3200 (TraceQL)', 'X-Scope-OrgID: payments']);
    expect(g.nodes.find((n) => n.id === 'apps_team_shop')!.lines).toContain('auto-instrumented: java, nodejs');
    expect(edge(g, 'mesh', 'collector')).toContain('sampling 20% in shop, shop-web');
    expect(edge(g, 'apps_team_shop', 'collector')).toEqual(['OTLP HTTP :4318', 'SDK sampler parentbased_traceidratio 0.2']);
    // without teams, there are no tenants and one exporter
    expect(graphOf('dev').nodes.some((n) => n.id.startsWith('tenant_'))).toBe(false);
  });

  it('every edge joins two nodes, ids are unique, and every node sits in a listed cluster', () => {
    for (const env of examples()) {
      const g = traceGraph(env);
      const ids = g.nodes.map((n) => n.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const e of g.edges) expect(ids, `${env.metadata.name}: ${e.from} -> ${e.to}`).toEqual(expect.arrayContaining([e.from, e.to]));
      for (const n of g.nodes) expect(g.clusters.map((c) => c.id)).toContain(n.cluster);
      for (const id of ids) expect(id).toMatch(/^[a-z0-9_]+$/);
    }
  });

  it('shows what is rendered, pass-through values included: a mesh provider pointed elsewhere is drawn as an external endpoint', () => {
    const dir = scratchRepo(false);
    const file = join(dir, 'environments/prod.yaml');
    const text = readFileSync(file, 'utf8').replace(
      '    istiodReplicas: 2\n',
      '    istiodReplicas: 2\n    istiodValues:\n      meshConfig:\n        extensionProviders:\n          - name: otel-tracing\n            opentelemetry: { service: otel-gateway.observability.svc.cluster.local, port: 4317 }\n',
    );
    writeFileSync(file, text);
    const r = validateInputs(readInputs(dir));
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const g = traceGraph(r.environments.find((e) => e.metadata.name === 'prod')!);
    expect(edge(g, 'mesh', 'external_otel_gateway_observability_svc_cluster_local_4317')).toEqual(['OTLP gRPC :4317', 'sampling 5% (Telemetry mesh-default)']);
    expect(edge(g, 'mesh', 'collector')).toBeUndefined();
  });
});

describe('rendering: SVG through Graphviz, Mermaid text', () => {
  it('the SVG parses as XML and has exactly the model\'s nodes and edges, each node named by its title', async () => {
    for (const env of examples()) {
      const g = traceGraph(env);
      const [svg] = await toSvg([toDot(g)]);
      expect(XMLValidator.validate(svg)).toBe(true);
      const doc = new XMLParser({ ignoreAttributes: false, htmlEntities: true, isArray: (name) => ['g', 'text'].includes(name) }).parse(svg);
      const groups = (doc.svg.g[0].g ?? []) as Array<Record<string, unknown>>;
      const ofClass = (c: string) => groups.filter((x) => x['@_class'] === c);
      const textOf = (x: Record<string, unknown>) => ((x.text ?? []) as Array<string | { '#text': string }>).map((t) => (typeof t === 'string' ? t : String(t['#text'] ?? ''))).join('\n');
      expect(ofClass('node').map((n) => n.title).sort()).toEqual(g.nodes.map((n) => n.id).sort());
      for (const n of g.nodes) {
        const drawn = ofClass('node').find((x) => x.title === n.id)!;
        expect(textOf(drawn), n.id).toContain(n.title);
      }
      expect(ofClass('edge')).toHaveLength(g.edges.length);
      expect(ofClass('cluster').map((c) => c.title).sort()).toEqual(g.clusters.map((c) => `cluster_${c.id}`).sort());
    }
  }, 60_000);

  it('the Mermaid text parses with mermaid\'s flowchart parser, with the model\'s nodes, edges and subgraphs', async () => {
    for (const env of examples()) {
      const g = traceGraph(env);
      const text = toMermaid(g);
      await expect(mermaid.parse(text)).resolves.toMatchObject({ diagramType: 'flowchart-v2' });
      const { db } = await mermaid.mermaidAPI.getDiagramFromText(text);
      const vertices = db.getVertices();
      expect([...vertices.keys()].sort()).toEqual(g.nodes.map((n) => n.id).sort());
      for (const n of g.nodes) expect(vertices.get(n.id)!.text).toContain(n.title);
      expect(db.getEdges().map((e) => `${e.start}->${e.end}`)).toEqual(g.edges.map((e) => `${e.from}->${e.to}`));
      expect(db.getSubGraphs().map((s) => s.id).sort()).toEqual(g.clusters.map((c) => `cluster_${c.id}`).sort());
    }
    // and the parser is not vacuous: a broken edge label is refused
    await expect(mermaid.parse('flowchart LR\n  a -->|"x| b\n')).rejects.toThrow(/Parse error/);
  }, 60_000);
});

describe('docs/graphs and README', () => {
  const docs = join(REPO, 'docs/graphs');
  it('the committed docs/graphs/<env>.svg and .mmd equal a fresh render of each example (run `npm run graphs`)', async () => {
    const envs = examples();
    expect(readdirSync(docs).sort()).toEqual(envs.flatMap((e) => [`${e.metadata.name}.mmd`, `${e.metadata.name}.svg`]).sort());
    const graphs = envs.map(traceGraph);
    const svgs = await toSvg(graphs.map(toDot));
    graphs.forEach((g, i) => {
      expect(readFileSync(join(docs, `${g.env}.mmd`), 'utf8'), `${g.env}.mmd`).toBe(toMermaid(g));
      expect(readFileSync(join(docs, `${g.env}.svg`), 'utf8'), `${g.env}.svg`).toBe(svgs[i]);
    });
  }, 60_000);

  it('README shows each example: an image link to its SVG and its Mermaid block', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    for (const e of examples()) {
      const name = e.metadata.name;
      expect(readme).toContain(`![trace path of ${name}](docs/graphs/${name}.svg)`);
      expect(readme).toContain('```mermaid\n' + readFileSync(join(docs, `${name}.mmd`), 'utf8') + '```\n');
    }
  });
});

describe('tracestack graph', () => {
  it('prints Mermaid for one environment, writes SVG files with --out, and refuses what it cannot do', () => {
    const mmd = runCli(REPO, ['graph', '--format', 'mermaid', '--env', 'prod']);
    expect(mmd.code, mmd.err).toBe(0);
    expect(mmd.out).toBe(toMermaid(graphOf('prod')));
    const dir = mkdtempSync(join(tmpdir(), 'tracestack-graph-'));
    const svg = runCli(REPO, ['graph', '--out', dir]);
    expect(svg.code, svg.err).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['ambient-demo.svg', 'dev.svg', 'prod.svg', 'staging.svg', 'teams-demo.svg', 'tempo3-demo.svg', 'tempo3-migration.svg']);
    expect(readFileSync(join(dir, 'prod.svg'), 'utf8')).toBe(readFileSync(join(REPO, 'docs/graphs/prod.svg'), 'utf8'));
    const json = runCli(REPO, ['graph', '--format', 'json', '--env', 'dev']);
    expect(JSON.parse(json.out)).toEqual(JSON.parse(JSON.stringify(graphOf('dev'))));
    const all = runCli(REPO, ['graph']);
    expect(all.code).toBe(2);
    // (the examples' placeholder repoURL warning may come first)
    expect(all.err.split('\n').filter((l) => l.startsWith('error: '))).toEqual(['error: SVG on stdout is one environment: name it with --env, or write all with --out DIR']);
    expect(runCli(REPO, ['graph', '--env', 'nope'])).toMatchObject({ code: 2 });
    expect(runCli(REPO, ['validate', '--format', 'svg'])).toMatchObject({ code: 2, err: 'error: --format svg is for `tracestack graph`; here use text or json\n' });
  });

  it('Graphviz stays out of the CLI bundle (only graph loads it), so other commands start as before', () => {
    const bundle = readFileSync(join(REPO, 'dist/tracestack.cjs'), 'utf8');
    expect(bundle.includes('("@viz-js/viz")')).toBe(true); // require()d at run time
    expect(/AGFzbQ/.test(bundle)).toBe(false); // no base64 WebAssembly module (its magic number) inside
    expect(bundle.length).toBeLessThan(1_300_000); // Graphviz's WebAssembly alone is ~1.4 MB
  });
});

describe('the markdown diff summary embeds the trace path of each changed environment', () => {
  it('diff --summary markdown: a Mermaid block per changed environment, as it will be, that mermaid parses', async () => {
    const dir = gitScratchRepo();
    editFile(join(dir, 'environments/prod.yaml'), 'samplingPercentage: 5', 'samplingPercentage: 7.5');
    const md = runCli(dir, ['diff', '--summary', 'markdown']);
    expect(md.code).toBe(1);
    const blocks = [...md.out.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]);
    const prod = traceGraph(validateInputs(readInputs(dir)).environments.find((e) => e.metadata.name === 'prod')!);
    expect(blocks).toEqual([toMermaid(prod)]);
    expect(blocks[0]).toContain('sampling 7.5% (Telemetry mesh-default)');
    expect(md.out).toContain('<details><summary>Trace path (after this change)</summary>');
    await expect(mermaid.parse(blocks[0])).resolves.toMatchObject({ diagramType: 'flowchart-v2' });
  });

  it('tracestack pr: the PR description (stdout, and --open) embeds it too; the commit message does not', () => {
    const dir = gitScratchRepo();
    editFile(join(dir, 'environments/dev.yaml'), 'retention: 24h', 'retention: 48h');
    const r = runCli(dir, ['pr']);
    expect(r.code, r.err).toBe(0);
    const dev = traceGraph(validateInputs(readInputs(dir)).environments.find((e) => e.metadata.name === 'dev')!);
    expect([...r.out.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1])).toEqual([toMermaid(dev)]);
    expect(toMermaid(dev)).toContain('retention 48h');
    expect(gitIn(dir, 'log', '-1', '--format=%B')).not.toContain('```mermaid');
  });
});
