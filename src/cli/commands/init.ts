import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { SCHEMA_COPY, scaffold } from '../../init/scaffold.js';

/** The schema file shipped in the package: the one the validator compiles. */
import { packagePath } from '../../package.js';
export const packageSchemaPath = () => packagePath('schemas/environment.schema.json');

/**
 * `tracestack init [DIR]`: scaffold a GitOps repository that works offline right away. The schema is copied into
 * DIR/schemas/ so editors find it without node_modules; the validator always uses the package's own copy.
 */
export function registerInit(program: Command) {
  program
    .command('init')
    .description('Scaffold a GitOps repository: environments/ with an example, CI for GitHub and GitLab, editor settings, README.')
    .argument('[dir]', 'folder to create or fill (default: the current folder)', '.')
    .option('--env <name>', 'name of the example environment', 'dev')
    .option('--force', 'overwrite files that already exist')
    .option('--update-schema', `only refresh ${SCHEMA_COPY} from this tracestack version`)
    .action((dir: string, opts: { env: string; force?: boolean; updateSchema?: boolean }) => {
      const schemaText = readFileSync(packageSchemaPath(), 'utf8');
      const files = opts.updateSchema ? new Map([[SCHEMA_COPY, schemaText]]) : scaffold(schemaText, undefined, opts.env);
      const existing = [...files.keys()].filter((f) => existsSync(join(dir, f)));
      if (existing.length && !opts.force && !opts.updateSchema) {
        process.stderr.write(`error: these files already exist (use --force to overwrite):\n  ${existing.join('\n  ')}\n`);
        process.exitCode = 1;
        return;
      }
      for (const [f, text] of files) {
        mkdirSync(dirname(join(dir, f)), { recursive: true });
        writeFileSync(join(dir, f), text);
      }
      process.stdout.write(`${opts.updateSchema ? 'updated' : 'created'} ${[...files.keys()].join(', ')} in ${dir}\nnext: set spec.argocd.repoURL in environments/_defaults.yaml, then run \`tracestack generate\`\n`);
    });
}
