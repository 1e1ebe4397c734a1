import type { Command } from 'commander';
import { formatDiagnostic } from '../../diagnostics.js';
import { hasChanges, renderJson, renderMarkdown, renderText } from '../../diff/report.js';
import { environmentSchema } from '../../validate/schema.js';
import { computeReport } from '../diff-report.js';
import { changedGraphs } from '../../graph/summary.js';
import { validateInputs } from '../../pipeline.js';
import { readInputs } from '../io.js';

/** Colour only on a terminal, and never when NO_COLOR is set to anything non-empty (no-color.org). */
export const useColour = (stream: NodeJS.WriteStream) => Boolean(stream.isTTY) && !process.env.NO_COLOR;

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
    .option('--base <rev>', 'git revision the old spec values are read from', 'HEAD')
    .action((opts: { env?: string[]; out: string; format: string; summary?: string; base: string }, cmd: Command) => {
      // --format is the program-wide option (text or json), also accepted after `diff`
      opts = { ...opts, format: cmd.optsWithGlobals().format ?? 'text' };
      if (!['text', 'json'].includes(opts.format)) return usage(`--format must be text or json; got ${opts.format}`);
      if (opts.summary !== undefined && opts.summary !== 'markdown') return usage(`--summary must be markdown; got ${opts.summary}`);
      const r = computeReport(program.opts().dir, { env: opts.env, out: opts.out, base: opts.base });
      if (!r.report) {
        for (const d of r.diagnostics) process.stderr.write(formatDiagnostic(d) + '\n');
        process.exitCode = 1;
        return;
      }
      if (!hasChanges(r.report)) return;
      process.exitCode = 1;
      if (opts.summary === 'markdown') {
        // each changed environment's trace path, as it will be, embedded as Mermaid
        const changed = [...r.report.objects.map((o) => o.env), ...r.report.spec.map((s) => s.env)];
        process.stdout.write(renderMarkdown(r.report, environmentSchema, changedGraphs(validateInputs(readInputs(program.opts().dir)).environments, changed)));
      }
      else if (opts.format === 'json') process.stdout.write(renderJson(r.report));
      else process.stdout.write(renderText(r.report, useColour(process.stdout)));
    });
}

/** A usage error: exit code 2, like commander's own. */
export function usage(message: string) {
  process.stderr.write(`error: ${message}\n`);
  process.exitCode = 2;
}
