import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { traceGraph } from '../../graph/model.js';
import { toDot, toMermaid, toSvg } from '../../graph/render.js';
import { validateInputs } from '../../pipeline.js';
import { readInputs } from '../io.js';
import { EXIT, throwCommandLineProblems, UsageError } from '../errors.js';
import { failed, globals, printResult, reportDiagnostics } from '../output.js';

/** The --format values that only `graph` takes (the program-wide option also says text or json). */
export const GRAPH_FORMATS = ['svg', 'mermaid'];

/**
 * `tracestack graph`: each environment's trace path (sources -> collector and tenants -> Tempo -> Grafana
 * datasources, with ports, protocols and sampling), as SVG laid out by Graphviz, as Mermaid, or as the model in
 * JSON. Into --out DIR as <env>.svg / <env>.mmd / <env>.json, else on stdout.
 */
export function registerGraph(program: Command) {
  program
    .command('graph')
    .description("Draw each environment's trace path (sources -> collector, tenants -> Tempo -> Grafana) as SVG, Mermaid (--format mermaid) or JSON.")
    .option('-e, --env <name...>', 'only these environments')
    .option('-o, --out <dir>', 'write <env>.svg (or .mmd, .json) into this folder instead of printing')
    .action(async (opts: { env?: string[]; out?: string }, cmd: Command) => {
      const global = globals(cmd);
      const format = global.format === 'text' ? 'svg' : global.format;
      const inputs = readInputs(global.dir);
      const r = validateInputs(inputs, { allowUnknownChartVersions: global.allowUnknownChartVersions });
      throwCommandLineProblems(r.diagnostics);
      // problems go to stderr (stdout is the graph, whatever its format); JSON with --out: the one document
      if (failed(r.diagnostics) && format === 'json') {
        reportDiagnostics(r.diagnostics, true, inputs);
        process.exitCode = EXIT.invalid;
        return;
      }
      reportDiagnostics(r.diagnostics, false, inputs);
      if (failed(r.diagnostics)) {
        process.exitCode = EXIT.invalid;
        return;
      }
      const known = r.environments.map((e) => e.metadata.name);
      const unknown = (opts.env ?? []).filter((n) => !known.includes(n));
      if (unknown.length) throw new UsageError(`no environment named ${unknown.map((n) => `"${n}"`).join(', ')} (known: ${known.join(', ') || 'none'})`);
      const envs = r.environments.filter((e) => !opts.env?.length || opts.env.includes(e.metadata.name));
      if (!opts.out && format === 'svg' && envs.length > 1) throw new UsageError('SVG on stdout is one environment: name it with --env, or write all with --out DIR');
      const graphs = envs.map(traceGraph);
      const texts =
        format === 'svg' ? await toSvg(graphs.map(toDot)) : format === 'mermaid' ? graphs.map(toMermaid) : graphs.map((g) => JSON.stringify(g, null, 2) + '\n');
      if (!opts.out) {
        // JSON on stdout is one document: one environment's graph, or an array of them
        process.stdout.write(format === 'json' && graphs.length !== 1 ? JSON.stringify(graphs, null, 2) + '\n' : texts.join('\n'));
        return;
      }
      const dir = resolve(global.dir, opts.out);
      mkdirSync(dir, { recursive: true });
      const ext = { svg: 'svg', mermaid: 'mmd', json: 'json' }[format]!;
      const written = graphs.map((g, i) => {
        const file = join(dir, `${g.env}.${ext}`);
        writeFileSync(file, texts[i]);
        return relative(process.cwd(), file).split(sep).join('/');
      });
      printResult(cmd, { written }, `wrote ${written.join(', ')}\n`);
    });
}
