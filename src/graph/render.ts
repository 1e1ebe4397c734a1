import { createRequire } from 'node:module';
import type { TraceGraph } from './model.js';

/** Cluster colours: sources, collector, Tempo, metrics, Grafana, external. */
const FILL: Record<string, string> = {
  sources: '#eef6ff',
  collector: '#fff6e5',
  tempo: '#eefaf0',
  metrics: '#f6f0ff',
  grafana: '#fff0f3',
  external: '#f2f2f2',
};

const html = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Graphviz DOT text of the graph (left to right, one cluster per stage); deterministic. */
export function toDot(g: TraceGraph): string {
  const out: string[] = [
    `digraph "${g.env}" {`,
    `  graph [rankdir=LR, fontname="Helvetica", fontsize=12, nodesep=0.35, ranksep=0.7, labelloc=t, label=<<b>${html(`trace path: ${g.env}`)}</b>>];`,
    '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10, color="#555555", margin="0.25,0.1"];',
    '  edge [fontname="Helvetica", fontsize=9, color="#444444"];',
  ];
  for (const c of g.clusters) {
    out.push(`  subgraph cluster_${c.id} {`, `    label=<${html(c.title)}>; style="rounded,dashed"; color="#999999"; fontsize=11;`);
    for (const n of g.nodes.filter((n) => n.cluster === c.id)) {
      const label = [`<b>${html(n.title)}</b>`, ...n.lines.map(html)].join('<br/>');
      out.push(`    "${n.id}" [label=<${label}>, fillcolor="${FILL[c.id]}"];`);
    }
    out.push('  }');
  }
  // ids are quoted: a bare `edge` or `node` would be a DOT keyword
  for (const e of g.edges) out.push(`  "${e.from}" -> "${e.to}" [label=<${e.lines.map(html).join('<br/>')}>];`);
  out.push('}');
  return out.join('\n') + '\n';
}

/** Mermaid label text: quotes and angle brackets as entity codes, lines joined with <br/>. */
const mermaidText = (s: string) => s.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;').replace(/\|/g, '#124;');

/** Mermaid flowchart (LR) of the graph, with the same nodes, clusters (subgraphs) and edge labels as the SVG. */
export function toMermaid(g: TraceGraph): string {
  const out = ['flowchart LR'];
  for (const c of g.clusters) {
    out.push(`  subgraph cluster_${c.id}["${mermaidText(c.title)}"]`);
    for (const n of g.nodes.filter((n) => n.cluster === c.id)) out.push(`    ${n.id}["<b>${mermaidText(n.title)}</b><br/>${n.lines.map(mermaidText).join('<br/>')}"]`);
    out.push('  end');
  }
  for (const e of g.edges) out.push(`  ${e.from} -->|"${e.lines.map(mermaidText).join('<br/>')}"| ${e.to}`);
  return out.join('\n') + '\n';
}

interface Viz {
  renderString(dot: string, options: { format: string }): string;
}

/**
 * SVG laid out by Graphviz (@viz-js/viz: Graphviz compiled to WebAssembly). Loaded here, at first use, and never
 * bundled: only `tracestack graph` pays for it, not every other command's start-up.
 */
export async function toSvg(dots: string[]): Promise<string[]> {
  const require = createRequire(import.meta.url);
  const viz = (await (require('@viz-js/viz') as { instance(): Promise<Viz> }).instance()) as Viz;
  return dots.map((d) => viz.renderString(d, { format: 'svg' }));
}
