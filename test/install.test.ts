import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CI_COMMANDS } from '../src/init/scaffold.js';
import { CLI, editFile, REPO } from './helpers/repo.js';

/**
 * The install story end to end, offline: the tracestack under test is packed once (`npm pack`, as it would be
 * published), `init` pins that tarball in a new GitOps repository and installs it with an empty npm cache and npm
 * forced offline (the tarball carries its run-time dependencies), and the CI steps are read from the generated
 * workflow files and run in a clean shell: PATH with only the system folders and node, HOME, and npm offline;
 * nothing of this repository's environment (no node_modules/.bin, no TRACESTACK_* variables, no ../shared/upstream
 * beside the temp folder).
 */
describe('install story: init pins tracestack in package.json, and the scaffolded CI steps run offline in a clean shell', () => {
  const work = join(tmpdir(), 'install');
  mkdirSync(join(work, 'gitops'), { recursive: true });
  const repo = join(work, 'gitops');
  // an empty npm cache, and npm offline: the packed tracestack carries its run-time dependencies
  // (bundleDependencies), so installing it needs neither the registry nor anything cached from it
  const npmCache = join(work, 'npm-cache');
  const env = {
    PATH: [...new Set([dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'])].join(':'),
    HOME: homedir(),
    TMPDIR: tmpdir(),
    NO_COLOR: '1',
    npm_config_cache: npmCache,
    npm_config_offline: 'true',
    npm_config_update_notifier: 'false',
  };
  const sh = (command: string) => {
    const r = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', command], { cwd: repo, env, encoding: 'utf8' });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  // `npm test` built dist/ just before vitest runs, so the pack needs no build (--ignore-scripts skips `prepare`)
  const packed = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
  const tarball = join(work, packed[0].filename);
  const source = `file:${tarball}`;
  const init = spawnSync(process.execPath, [CLI, 'init', '--tracestack-source', source], { cwd: repo, env, encoding: 'utf8' });

  it('init writes package.json with exactly the given source, installs it and writes package-lock.json', () => {
    expect(init.status, init.stderr).toBe(0);
    expect(init.stdout).toContain(`installed tracestack (${source}); commit package.json and package-lock.json`);
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({ name: 'gitops', private: true, devDependencies: { tracestack: source } });
    const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8'));
    expect(lock.packages['node_modules/tracestack'].version).toBe(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version);
    expect(lock.packages['node_modules/tracestack'].integrity).toMatch(/^sha512-/);
  });

  it('the GitHub Actions steps (npm ci, validate, generate --check) pass after generate; nothing is fetched with npx', () => {
    const gh = parse(readFileSync(join(repo, '.github/workflows/tracestack.yml'), 'utf8'));
    const runs: string[] = gh.jobs.check.steps.map((s: { run?: string }) => s.run).filter(Boolean);
    expect(runs).toEqual(CI_COMMANDS);
    expect(runs.join('\n')).not.toMatch(/--yes|tracestack@/);
    expect(gh.jobs.check.steps.find((s: { uses?: string }) => s.uses?.startsWith('actions/setup-node'))?.with).toEqual({ 'node-version': '20', cache: 'npm' });
    const gen = sh('npx --no-install tracestack generate');
    expect(gen.code, gen.err).toBe(0);
    expect(gen.out).toMatch(/^generated dev into out\//);
    const results = runs.map((r) => ({ run: r, ...sh(r) }));
    for (const r of results) expect(r.code, `${r.run}\n${r.err}`).toBe(0);
    expect(results[1].out).toBe('ok: 1 environment valid (dev)\n');
    expect(results[2].out).toBe('ok: out/ is up to date (dev)\n');
    // graph loads Graphviz (WebAssembly) from the installed package
    const graph = sh('npx --no-install tracestack graph --env dev');
    expect(graph.code, graph.err).toBe(0);
    expect(graph.out).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*Tempo distributor[\s\S]*<\/svg>\n$/);
    // this temp repository has no CRD schemas: generate says what it did not check
    expect(results[2].err).toMatch(/^note: not checked against CRD schemas \(no CRD schemas found\): argoproj\.io\/v1alpha1\/AppProject, argoproj\.io\/v1alpha1\/Application, .*`tracestack schemas --from-cluster`/m);
  }, 180_000);

  it('the GitLab CI script runs the same commands, and fails with a clear message when out/ was not regenerated', () => {
    const gl = parse(readFileSync(join(repo, '.gitlab-ci.yml'), 'utf8'));
    expect(gl.tracestack.script).toEqual(CI_COMMANDS);
    expect(gl.tracestack.image).toBe('node:20');
    editFile(join(repo, 'environments/dev.yaml'), '    replicas:\n      # 3 or more ingesters give replication factor 3.\n      ingester: 1', '    replicas:\n      ingester: 3');
    // `npm ci` ran in the previous test with the same lockfile; the tracestack lines run against what it installed
    const [validate, check] = gl.tracestack.script.slice(1).map((r: string) => sh(r));
    expect(validate.code, validate.err).toBe(0);
    expect(check.code).toBe(1);
    expect(check.err).toMatch(/^different: out\/dev\/values\/tempo\.yaml$/m);
    expect(check.err).toMatch(/\d+ files? out of date; run `tracestack generate`\.\n$/);
  }, 120_000);
});
