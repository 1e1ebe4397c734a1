import type { Command } from 'commander';
import { hasChanges, renderJson, renderMarkdown, renderText } from '../../diff/report.js';
import { environmentSchema } from '../../validate/schema.js';
import { computeReport } from '../diff-report.js';
import { changedGraphs } from '../../graph/summary.js';
import { validateInputs } from '../../pipeline.js';
import { readInputs } from '../io.js';
import { useColour } from '../colour.js';
import { EXIT, throwCommandLineProblems, UsageError } from '../errors.js';
import { reportDiagnostics, wantsJson } from '../output.js';

/**
 * `tracestack diff`: what `generate` would change in out/, as unified diffs and a summary, or as JSON or a
 * markdown PR description. Exit 1 when anything differs; exit 0 and print nothing when out/ is current.
 */
export function registerDiff(program: Command) {
  program
    .command('diff')
    .description('Show what generate would change in the output folder: unified diffs and a per-environment summary; exit 1 if anything differs.')
    .option('-e, --env <name...>', 'only these environments')
    .option('-o, --out <dir>', 'output folder, inside the repository', 'out')
    .option('--summary <format>', 'print only a summary; markdown: a pull-request description')
    .option('--base <rev>', 'git revision the change is described against: its environment files (old spec values) and, for --summary markdown, its output folder', 'HEAD')
    .action((opts: { env?: string[]; out: string; summary?: string; base: string }, cmd: Command) => {
      // --format is the program-wide option (text or json; main.ts refuses graph's formats here)
      const json = wantsJson(cmd);
      if (opts.summary !== undefined && opts.summary !== 'markdown') throw new UsageError(`--summary must be markdown; got ${opts.summary}`);
      if (opts.summary && json) throw new UsageError('--summary markdown and --format json cannot be combined');
      const r = computeReport(program.opts().dir, { env: opts.env, out: opts.out, base: opts.base });
      if (!r.report) {
        throwCommandLineProblems(r.diagnostics);
        reportDiagnostics(r.diagnostics, json);
        process.exitCode = EXIT.invalid;
        return;
      }
      if (opts.summary === 'markdown') {
        // a pull-request description: the change against --base, whatever generate already wrote to disk, with
        // each changed environment's trace path, as it will be, embedded as Mermaid
        const base = r.baseReport ?? r.report;
        if (!hasChanges(base)) return;
        process.exitCode = EXIT.invalid;
        const changed = [...base.objects.map((o) => o.env), ...base.spec.map((s) => s.env)];
        process.stdout.write(renderMarkdown(base, environmentSchema, changedGraphs(validateInputs(readInputs(program.opts().dir)).environments, changed)));
        return;
      }
      // JSON: the report also when nothing changed ({"changed": false, ...}); text: nothing at all then
      if (json) process.stdout.write(renderJson(r.report));
      if (!hasChanges(r.report)) return;
      process.exitCode = EXIT.invalid;
      if (!json) process.stdout.write(renderText(r.report, useColour(process.stdout)));
    });
}
