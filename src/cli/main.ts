#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { formatDiagnostic, type Diagnostic } from '../diagnostics.js';
import { generate, validateInputs } from '../pipeline.js';
import { compareWithDisk, writeTree, WriteRefused } from '../write/write.js';
import { outPathFromRoot, readInputs } from './io.js';
import { registerChangedSince } from './commands/changed-since.js';
import { registerDiff } from './commands/diff.js';
import { registerExplain } from './commands/explain.js';
import { registerInit } from './commands/init.js';
import { registerPr } from './commands/pr.js';
import { registerModelineCheck } from './commands/modeline.js';

/** Exit codes: 0 ok; 1 invalid input or drift; 2 usage or internal error. */
const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;

function report(diagnostics: Diagnostic[]) {
  for (const d of diagnostics) process.stderr.write(formatDiagnostic(d) + '\n');
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  if (errors) process.stderr.write(`${errors} error${errors === 1 ? '' : 's'}; nothing was written.\n`);
}

const program = new Command()
  .name('tracestack')
  .description('Render an end-to-end Kubernetes tracing stack into a GitOps repository (Helmfile, Kustomize, Argo CD).')
  .option('-C, --dir <dir>', 'repository root holding environments/ (default: the current folder)', '.')
  .exitOverride();

program
  .command('validate')
  .description('Check environment files against the schema; exit 1 on any problem.')
  .argument('[files...]', 'environment files (default: environments/*.yaml)')
  .action((files: string[]) => {
    const inputs = readInputs(program.opts().dir, files);
    const r = validateInputs(inputs);
    report(r.diagnostics);
    if (r.diagnostics.some((d) => d.severity === 'error')) process.exitCode = EXIT.invalid;
    else process.stdout.write(`ok: ${r.environments.length} environment${r.environments.length === 1 ? '' : 's'} valid (${r.environments.map((e) => e.metadata.name).join(', ')})\n`);
  });

program
  .command('generate')
  .description('Render environments into the output folder (written atomically file by file; stale files pruned).')
  .option('-e, --env <name...>', 'render only these environments')
  .option('-o, --out <dir>', 'output folder, inside the repository', 'out')
  .option('--check', 'write nothing; exit 1 listing every file that is missing, different or stale')
  .option('--force', 'take over files in the output folder that tracestack did not write')
  .action((opts: { env?: string[]; out: string; check?: boolean; force?: boolean }) => {
    const root = program.opts().dir;
    const inputs = readInputs(root);
    const { outDir, outPath } = outPathFromRoot(root, opts.out);
    const r = generate(inputs, { outPath, only: opts.env });
    if (!r.tree) {
      report(r.diagnostics);
      process.exitCode = EXIT.invalid;
      return;
    }
    const full = !opts.env?.length;
    if (opts.check) {
      const { changes } = compareWithDisk(outDir, r.tree, r.rendered, full);
      if (changes.length) {
        for (const c of changes) process.stderr.write(`${c.kind}: ${outPath}/${c.file}\n`);
        process.stderr.write(`${changes.length} file${changes.length === 1 ? '' : 's'} out of date; run \`tracestack generate\`.\n`);
        process.exitCode = EXIT.invalid;
      } else process.stdout.write(`ok: ${outPath}/ is up to date (${r.rendered.join(', ')})\n`);
      return;
    }
    const { written, pruned } = writeTree(outDir, r.tree, r.rendered, full, opts.force);
    process.stdout.write(`generated ${r.rendered.join(', ')} into ${outPath}/: ${written.length} written, ${pruned.length} pruned, ${r.tree.size - written.length} unchanged\n`);
  });

registerDiff(program);
registerExplain(program);
registerModelineCheck(program);
registerPr(program);
registerInit(program);
registerChangedSince(program);

try {
  program.parse();
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (e instanceof WriteRefused) {
    process.stderr.write(`error: ${e.message}\n`);
    process.exitCode = EXIT.invalid;
  } else {
    process.stderr.write(`internal error: ${(e as Error).stack ?? e}\n`);
    process.exitCode = EXIT.usage;
  }
}
