import { pathToFileURL } from 'node:url';
import { packagePath } from '../package.js';
import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { TOOL_VERSION, toYaml } from '../render/yaml.js';
import { modelineFor } from '../validate/modeline.js';

const templatesDir = pathToFileURL(packagePath('templates/init') + '/');
const template = (name: string) => Handlebars.compile(readFileSync(new URL(name, templatesDir), 'utf8'), { strict: true });

/** Where init puts the schema copy that editors read (the modeline and .vscode/settings.json point at it). */
export const SCHEMA_COPY = 'schemas/environment.schema.json';

/**
 * The commands CI runs on every pull request: install exactly what package-lock.json pins (tracestack is a
 * devDependency of the GitOps repository), then run that tracestack. `npx --no-install` never downloads a package
 * that is not installed: a missing or unpinned tracestack fails instead of running whatever the registry has.
 */
export const CI_COMMANDS = ['npm ci --no-audit --no-fund', 'npx --no-install tracestack validate', 'npx --no-install tracestack generate --check'];

function githubWorkflow() {
  return {
    name: 'tracestack',
    on: { pull_request: {}, push: { branches: ['main'] } },
    permissions: { contents: 'read' },
    jobs: {
      check: {
        'runs-on': 'ubuntu-latest',
        steps: [
          { uses: 'actions/checkout@v4' },
          { uses: 'actions/setup-node@v4', with: { 'node-version': '20', cache: 'npm' } },
          { name: 'Install tracestack as pinned in package-lock.json', run: CI_COMMANDS[0] },
          { name: 'Validate environments', run: CI_COMMANDS[1] },
          { name: 'out/ is generated from environments/', run: CI_COMMANDS[2] },
        ],
      },
    },
  };
}

function gitlabCi() {
  return {
    stages: ['check'],
    tracestack: {
      stage: 'check',
      image: 'node:20',
      rules: [{ if: '$CI_PIPELINE_SOURCE == "merge_request_event"' }, { if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH' }],
      variables: { npm_config_cache: '$CI_PROJECT_DIR/.npm' },
      cache: { key: { files: ['package-lock.json'] }, paths: ['.npm/'] },
      script: CI_COMMANDS,
    },
  };
}

/**
 * The GitOps repository's package.json: tracestack pinned as a devDependency, exactly as given (an npm version,
 * a git URL with a ref, or a `file:` tarball for offline use); package-lock.json then pins what it resolved to.
 */
export function packageJson(name: string, source: string): string {
  const pkg = {
    name,
    private: true,
    description: 'Tracing stack rendered by tracestack: environments/*.yaml in, out/ (Helmfile, Kustomize, Argo CD) out.',
    scripts: { validate: 'tracestack validate', generate: 'tracestack generate', check: 'tracestack generate --check', diff: 'tracestack diff' },
    devDependencies: { tracestack: source },
  };
  return JSON.stringify(pkg, null, 2) + '\n';
}

/**
 * An existing package.json with tracestack added: the devDependency set to `source` (replacing an older pin) and
 * the scaffold's scripts added where the file has none of that name; everything else is kept as it was.
 */
export function mergePackageJson(existing: string, source: string): string {
  const pkg = JSON.parse(existing) as Record<string, unknown>;
  const ours = JSON.parse(packageJson('x', source)) as { scripts: Record<string, string>; devDependencies: Record<string, string> };
  const obj = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, string>) : {});
  const deps = obj(pkg.dependencies);
  pkg.scripts = { ...ours.scripts, ...obj(pkg.scripts) };
  // a tracestack listed under dependencies moves to devDependencies (one pin, in one place)
  if ('tracestack' in deps) {
    delete deps.tracestack;
    pkg.dependencies = deps;
  }
  pkg.devDependencies = Object.fromEntries(Object.entries({ ...obj(pkg.devDependencies), tracestack: source }).sort(([a], [b]) => a.localeCompare(b)));
  const indent = /^\{\n(\s+)"/.exec(existing)?.[1] ?? '  ';
  return JSON.stringify(pkg, null, indent) + '\n';
}

/** An npm package name from a folder name (lower case, URL-safe), for the scaffold's package.json. */
export function packageNameFor(dir: string): string {
  const n = dir.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+|[._-]+$/g, '').slice(0, 200);
  return n || 'tracing-gitops';
}

/** Pure: the files of a new GitOps repository, path -> content. */
export function scaffold(schemaText: string, version = TOOL_VERSION, envName = 'dev', source = version, name = 'tracing-gitops'): Map<string, string> {
  const modeline = modelineFor(`../${SCHEMA_COPY}`);
  const header = (what: string) => `# ${what} Written by tracestack init ${version}.\n`;
  return new Map([
    ['environments/_defaults.yaml', template('_defaults.yaml.hbs')({ modeline })],
    [`environments/${envName}.yaml`, template('environment.yaml.hbs')({ modeline, name: envName })],
    [SCHEMA_COPY, schemaText],
    ['package.json', packageJson(name, source)],
    ['.gitignore', 'node_modules/\n.npm/\n*.tracestack-tmp-*\n'],
    ['.github/workflows/tracestack.yml', header('Checks that out/ is generated from environments/.') + toYaml(githubWorkflow())],
    ['.gitlab-ci.yml', header('Checks that out/ is generated from environments/.') + toYaml(gitlabCi())],
    ['.vscode/settings.json', JSON.stringify({ 'yaml.schemas': { [`./${SCHEMA_COPY}`]: ['environments/*.yaml'] } }, null, 2) + '\n'],
    ['README.md', template('README.md.hbs')({ version, source })],
  ]);
}
