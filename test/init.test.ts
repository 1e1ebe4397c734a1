import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MODELINE } from '../src/validate/modeline.js';
import { listFiles, REPO, runCli } from './helpers/repo.js';
import { upstreamProblems } from './helpers/validate-tree.js';

const run = (cwd: string, ...args: string[]) => runCli(cwd, args);

describe('tracestack init in an empty folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tracestack-init-'));
  const init = run(dir, 'init', '--no-install');
  const gen = run(dir, 'generate');

  it('scaffolds the repository, then validate and generate succeed, with a warning only for the placeholder repoURL', () => {
    expect(init.code, init.err).toBe(0);
    expect(listFiles(dir).filter((f) => !f.startsWith('out/'))).toEqual([
      '.github/workflows/tracestack.yml',
      '.gitignore',
      '.gitlab-ci.yml',
      '.vscode/settings.json',
      'README.md',
      'environments/_defaults.yaml',
      'environments/dev.yaml',
      'package.json',
      'schemas/environment.schema.json',
    ]);
    expect(init.out).toContain('next: run `npm install` and commit package-lock.json');
    // the scaffold's repoURL is a placeholder: a warning (exit 0) until it is set, as its README says
    const v = run(dir, 'validate');
    expect(v.code).toBe(0);
    expect(v.out).toBe('ok: 1 environment valid (dev)\n');
    expect(v.err).toMatch(/^environments\/_defaults\.yaml:\d+:\d+: warning: spec\.argocd\.repoURL: still the placeholder host git\.example\.com/);
    const defaults = join(dir, 'environments/_defaults.yaml');
    writeFileSync(defaults, readFileSync(defaults, 'utf8').replace('https://git.example.com/platform/tracing-gitops.git', 'https://github.com/acme/tracing-gitops.git'));
    expect(run(dir, 'validate')).toEqual({ code: 0, out: 'ok: 1 environment valid (dev)\n', err: '' });
    expect(gen.code, gen.err).toBe(0);
    expect(run(dir, 'generate', '--check').code).toBe(1);
    expect(run(dir, 'generate').code).toBe(0);
    expect(run(dir, 'generate', '--check').code).toBe(0);
  });

  it('the generated tree passes the same upstream validation as the examples', () => {
    expect(listFiles(join(dir, 'out'))).toContain('dev/argocd/root.yaml');
    expect(upstreamProblems(join(dir, 'out'))).toEqual([]);
  }, 120_000);

  it('CI workflows parse as YAML and run validate and generate --check', () => {
    const gh = parse(readFileSync(join(dir, '.github/workflows/tracestack.yml'), 'utf8'));
    expect(Object.keys(gh.on)).toContain('pull_request');
    const runs = gh.jobs.check.steps.map((s: any) => s.run).filter(Boolean);
    expect(runs).toEqual(['npm ci --no-audit --no-fund', 'npx --no-install tracestack validate', 'npx --no-install tracestack generate --check']);
    // tracestack is pinned by package.json (default: this version, as an npm version spec) and package-lock.json
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).devDependencies).toEqual({ tracestack: JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version });
    const gl = parse(readFileSync(join(dir, '.gitlab-ci.yml'), 'utf8'));
    expect(gl.tracestack.script).toEqual(runs);
    expect(JSON.stringify(gl.tracestack.rules)).toContain('merge_request_event');
  });

  it('editors find the schema: modeline in every environment file, and .vscode/settings.json maps it', () => {
    for (const f of ['environments/_defaults.yaml', 'environments/dev.yaml']) {
      const first = readFileSync(join(dir, f), 'utf8').split('\n')[0];
      expect(first).toMatch(MODELINE);
      expect(first).toBe('# yaml-language-server: $schema=../schemas/environment.schema.json');
    }
    const settings = JSON.parse(readFileSync(join(dir, '.vscode/settings.json'), 'utf8'));
    expect(settings['yaml.schemas']).toEqual({ './schemas/environment.schema.json': ['environments/*.yaml'] });
    expect(readFileSync(join(dir, 'schemas/environment.schema.json'), 'utf8')).toBe(readFileSync(join(REPO, 'schemas/environment.schema.json'), 'utf8'));
  });

  it('refuses to overwrite an existing repository; validate warns when the schema copy is stale and --update-schema fixes it', () => {
    const again = run(dir, 'init', '--no-install');
    expect(again.code).toBe(1);
    expect(again.err).toContain('environments/dev.yaml');
    writeFileSync(join(dir, 'schemas/environment.schema.json'), '{}\n');
    expect(run(dir, 'validate').err).toContain('schemas/environment.schema.json:1:1: warning: differs from the schema');
    expect(run(dir, 'init', '--update-schema').code).toBe(0);
    expect(run(dir, 'validate').err).toBe('');
  });
});

describe('tracestack init in a repository that already has a package.json', () => {
  it('adds tracestack to it (devDependency pinned as given, missing scripts) and keeps everything else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracestack-init-'));
    const before = { name: 'platform-gitops', private: true, scripts: { lint: 'yamllint .', check: 'my-check' }, dependencies: { tracestack: '0.0.9' }, devDependencies: { renovate: '^41.0.0' } };
    writeFileSync(join(dir, 'package.json'), JSON.stringify(before, null, 4) + '\n');
    const r = run(dir, 'init', '--no-install', '--tracestack-source', 'git+https://git.example.com/platform/tracestack.git#v0.1.0');
    expect(r.code, r.err).toBe(0);
    const text = readFileSync(join(dir, 'package.json'), 'utf8');
    expect(text.startsWith('{\n    "name"')).toBe(true); // its indentation is kept
    expect(JSON.parse(text)).toEqual({
      name: 'platform-gitops',
      private: true,
      scripts: { validate: 'tracestack validate', generate: 'tracestack generate', check: 'my-check', diff: 'tracestack diff', lint: 'yamllint .' },
      dependencies: {},
      devDependencies: { renovate: '^41.0.0', tracestack: 'git+https://git.example.com/platform/tracestack.git#v0.1.0' },
    });
  });

  it('refuses a package.json that is not JSON (unless --force replaces it)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracestack-init-'));
    writeFileSync(join(dir, 'package.json'), '{ "name": \n');
    const r = run(dir, 'init', '--no-install');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/package\.json is not valid JSON .*use --force to replace it/);
    expect(run(dir, 'init', '--no-install', '--force').code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).devDependencies).toEqual({ tracestack: '0.1.0' });
  });
});
