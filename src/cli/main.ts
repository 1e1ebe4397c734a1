import { Command, Option } from 'commander';
import { TOOL_VERSION } from '../render/yaml.js';
import { registerChangedSince } from './commands/changed-since.js';
import { registerDiff } from './commands/diff.js';
import { registerDoctor } from './commands/doctor.js';
import { registerExplain } from './commands/explain.js';
import { registerGenerate } from './commands/generate.js';
import { GRAPH_FORMATS, registerGraph } from './commands/graph.js';
import { registerInit } from './commands/init.js';
import { registerModelineCheck } from './commands/modeline.js';
import { registerPr } from './commands/pr.js';
import { registerSchemas } from './commands/schemas.js';
import { registerValidate } from './commands/validate.js';
import { handleError, UsageError } from './errors.js';

export { EXIT } from './errors.js';

/**
 * The tracestack command line: the program-wide options and the commands (each in commands/<name>.ts). Every
 * error ends in handleError (errors.ts): one exit code and one rendering per kind; every command takes
 * --format json.
 */
const program = new Command()
  .name('tracestack')
  .description('Render an end-to-end Kubernetes tracing stack into a GitOps repository (Helmfile, Kustomize, Argo CD).')
  .option('-C, --dir <dir>', 'repository root holding environments/ (default: the current folder)', '.')
  .addOption(new Option('--format <format>', 'output: text or json (every command); for graph: svg (default), mermaid or json').choices(['text', 'json', ...GRAPH_FORMATS]).default('text'))
  .option('--schemas <dir>', 'strict CRD schema folder (default: $TRACESTACK_SCHEMAS, else .tracestack/schemas from `tracestack schemas`, else ../shared/upstream beside the repository)')
  .option('--allow-unknown-chart-versions', 'render chart versions in spec.chartVersions that tracestack does not know (a warning, not an error)')
  .version(TOOL_VERSION, '-V, --version', 'print the tracestack version')
  .exitOverride()
  .hook('preAction', (_program, action) => {
    const format = program.opts().format as string;
    if (GRAPH_FORMATS.includes(format) && action.name() !== 'graph') throw new UsageError(`--format ${format} is for \`tracestack graph\`; here use text or json`);
  });

registerValidate(program);
registerGenerate(program);
registerDoctor(program);
registerDiff(program);
registerExplain(program);
registerModelineCheck(program);
registerPr(program);
registerInit(program);
registerChangedSince(program);
registerSchemas(program);
registerGraph(program);

// (no top-level await: the bundle is CommonJS, so that bin/tracestack.cjs can run it with a V8 code cache)
program.parseAsync().catch((e: unknown) => {
  process.exitCode = handleError(e, program.opts().format === 'json');
});
