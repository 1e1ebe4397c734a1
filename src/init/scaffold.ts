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

/** The commands CI runs on every pull request, pinned to this tracestack version. */
const ciCommands = (version: string) => [`npx --yes tracestack@${version} validate`, `npx --yes tracestack@${version} generate --check`];

function githubWorkflow(version: string) {
  return {
    name: 'tracestack',
    on: { pull_request: {}, push: { branches: ['main'] } },
    permissions: { contents: 'read' },
    jobs: {
      check: {
        'runs-on': 'ubuntu-latest',
        steps: [
          { uses: 'actions/checkout@v4' },
          { uses: 'actions/setup-node@v4', with: { 'node-version': '20' } },
          { name: 'Validate environments', run: ciCommands(version)[0] },
          { name: 'out/ is generated from environments/', run: ciCommands(version)[1] },
        ],
      },
    },
  };
}

function gitlabCi(version: string) {
  return {
    stages: ['check'],
    tracestack: {
      stage: 'check',
      image: 'node:20',
      rules: [{ if: '$CI_PIPELINE_SOURCE == "merge_request_event"' }, { if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH' }],
      script: ciCommands(version),
    },
  };
}

/** Pure: the files of a new GitOps repository, path -> content. */
export function scaffold(schemaText: string, version = TOOL_VERSION, envName = 'dev'): Map<string, string> {
  const modeline = modelineFor(`../${SCHEMA_COPY}`);
  const header = (what: string) => `# ${what} Written by tracestack init ${version}.\n`;
  return new Map([
    ['environments/_defaults.yaml', template('_defaults.yaml.hbs')({ modeline })],
    [`environments/${envName}.yaml`, template('environment.yaml.hbs')({ modeline, name: envName })],
    [SCHEMA_COPY, schemaText],
    ['.gitignore', 'node_modules/\n*.tracestack-tmp-*\n'],
    ['.github/workflows/tracestack.yml', header('Checks that out/ is generated from environments/.') + toYaml(githubWorkflow(version))],
    ['.gitlab-ci.yml', header('Checks that out/ is generated from environments/.') + toYaml(gitlabCi(version))],
    ['.vscode/settings.json', JSON.stringify({ 'yaml.schemas': { [`./${SCHEMA_COPY}`]: ['environments/*.yaml'] } }, null, 2) + '\n'],
    ['README.md', template('README.md.hbs')({ version })],
  ]);
}
