import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { mergePackageJson, packageNameFor, SCHEMA_COPY, scaffold } from '../../init/scaffold.js';
import { TOOL_VERSION } from '../../render/yaml.js';
import { failCommand, printResult, wantsJson } from '../output.js';

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
    .option('--tracestack-source <spec>', 'what package.json pins as the tracestack devDependency: an npm version, a git URL with a ref, or file:<tarball>', TOOL_VERSION)
    .option('--no-install', 'do not run `npm install` (which writes package-lock.json, the pin CI installs with `npm ci`)')
    .action((dir: string, opts: { env: string; force?: boolean; updateSchema?: boolean; tracestackSource: string; install: boolean }, cmd: Command) => {
      const schemaText = readFileSync(packageSchemaPath(), 'utf8');
      const files = opts.updateSchema ? new Map([[SCHEMA_COPY, schemaText]]) : scaffold(schemaText, undefined, opts.env, opts.tracestackSource, packageNameFor(basename(resolve(dir))));
      // an existing package.json (the repository already uses npm) gets tracestack added, not replaced
      if (files.has('package.json') && existsSync(join(dir, 'package.json')) && !opts.force) {
        try {
          files.set('package.json', mergePackageJson(readFileSync(join(dir, 'package.json'), 'utf8'), opts.tracestackSource));
        } catch (e) {
          return failCommand(cmd, `${join(dir, 'package.json')} is not valid JSON (${(e as Error).message}); fix it, or use --force to replace it`, 'invalid-package-json');
        }
      }
      const existing = [...files.keys()].filter((f) => f !== 'package.json' && existsSync(join(dir, f)));
      if (existing.length && !opts.force && !opts.updateSchema) {
        return failCommand(cmd, `these files already exist (use --force to overwrite):\n  ${existing.join('\n  ')}`, 'exists', { existing });
      }
      for (const [f, text] of files) {
        mkdirSync(dirname(join(dir, f)), { recursive: true });
        writeFileSync(join(dir, f), text);
      }
      const result = { dir, [opts.updateSchema ? 'updated' : 'created']: [...files.keys()] };
      const done = `${opts.updateSchema ? 'updated' : 'created'} ${[...files.keys()].join(', ')} in ${dir}\n`;
      // text: each step as it is done; JSON: one document at the end
      if (!wantsJson(cmd)) process.stdout.write(done);
      if (opts.updateSchema) return printResult(cmd, result);
      const next: string[] = [];
      if (opts.install) {
        // npm's own output goes to stderr: stdout stays the summary
        const npm = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: dir, stdio: ['ignore', 2, 2], shell: process.platform === 'win32' });
        if (npm.status !== 0) {
          return failCommand(
            cmd,
            `\`npm install\` in ${dir} failed${npm.error ? ` (${npm.error.message})` : ''}, so there is no package-lock.json yet.\n` +
              `  package.json pins tracestack as "${opts.tracestackSource}". If that version is not on your registry, pin a git ref or a tarball instead,\n` +
              `  e.g. \`tracestack init --force --tracestack-source git+https://github.com/ORG/tracestack.git#v${TOOL_VERSION}\` or \`--tracestack-source file:tracestack-${TOOL_VERSION}.tgz\` (from \`npm pack\`),\n` +
              `  then run \`npm install\` and commit package-lock.json.`,
            'npm-install',
            { ...result, installed: false },
          );
        }
        next.push(`installed tracestack (${opts.tracestackSource}); commit package.json and package-lock.json: CI installs exactly that with \`npm ci\`\n`);
      } else {
        next.push('next: run `npm install` and commit package-lock.json (CI installs exactly what it pins with `npm ci`)\n');
      }
      next.push('next: set spec.argocd.repoURL in environments/_defaults.yaml, then run `npx --no-install tracestack generate`\n');
      printResult(cmd, { ...result, installed: opts.install }, next.join(''));
    });
}
