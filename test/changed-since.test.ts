import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { selectChanged } from '../src/cli/commands/changed-since.js';
import { scratchRepo, runCli, editFile } from './helpers/repo.js';
import { gitIn, initRepo } from './helpers/git.js';

const run = (cwd: string, ...args: string[]) => runCli(cwd, args);
const edit = editFile;

describe('selectChanged', () => {
  const exists = () => true;
  it('maps changed environment files to environment names', () => {
    expect(selectChanged(['prod.yaml', 'dev.yml'], exists)).toEqual({ all: false, envs: ['dev', 'prod'] });
  });
  it('the shared defaults, another _ file, or a removed environment mean all', () => {
    expect(selectChanged(['prod.yaml', '_defaults.yaml'], exists).all).toBe(true);
    expect(selectChanged(['_teams.yaml'], exists).all).toBe(true);
    expect(selectChanged(['stage.yaml'], (f) => f !== 'stage.yaml')).toEqual({ all: true, reason: 'stage.yaml was removed' });
  });
  it('ignores files that are not environments', () => {
    expect(selectChanged(['README.md', 'sub/x.yaml'], exists)).toEqual({ all: false, envs: [] });
  });
});

describe('generate --changed-since (real git repository)', () => {
  it('renders only the environment whose file changed since the revision', () => {
    const dir = scratchRepo();
    initRepo(dir);
    edit(join(dir, 'environments/prod.yaml'), 'samplingPercentage: 5', 'samplingPercentage: 7.5');
    rmSync(join(dir, 'out/dev/values/grafana.yaml')); // dev drift that a dev render would repair
    const r = run(dir, 'generate', '--changed-since', 'HEAD');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^generated prod into out\/: 1 written/);
    expect(gitIn(dir, 'status', '--porcelain', '--', 'out').split('\n').filter(Boolean)).toEqual([' D out/dev/values/grafana.yaml', ' M out/prod/kustomize/istio-telemetry/kustomization.yaml']);
  });

  it('a change to _defaults.yaml renders all; nothing changed renders nothing and exits 0', () => {
    const dir = scratchRepo();
    initRepo(dir);
    expect(run(dir, 'generate', '--changed-since', 'HEAD')).toMatchObject({ code: 0, out: '' });
    edit(join(dir, 'environments/_defaults.yaml'), 'lokiUrl: http://loki-gateway.loki.svc', 'lokiUrl: http://loki.logs.svc');
    gitIn(dir, 'commit', '-qam', 'loki moved');
    const r = run(dir, 'generate', '--changed-since', 'HEAD~1');
    expect(r.err).toContain('_defaults.yaml changed; rendering all environments');
    expect(r.out).toMatch(/^generated ambient-demo, dev, prod, staging, teams-demo, tempo3-demo, tempo3-migration into out\/: 7 written/);
  });

  it('diff accepts it too, and refuses --env with it', () => {
    const dir = scratchRepo();
    initRepo(dir);
    edit(join(dir, 'environments/dev.yaml'), 'retention: 24h', 'retention: 48h');
    edit(join(dir, 'environments/prod.yaml'), 'samplingPercentage: 5', 'samplingPercentage: 7.5');
    gitIn(dir, 'commit', '-qam', 'prod sampling');
    expect(run(dir, 'diff', '--changed-since', 'HEAD').code).toBe(0);
    const since = run(dir, 'diff', '--changed-since', 'HEAD~1', '--format', 'json');
    expect(since.code).toBe(1);
    expect([...new Set(JSON.parse(since.out).files.map((f: any) => f.env))].sort()).toEqual(['dev', 'prod']);
    expect(run(dir, 'generate', '--changed-since', 'HEAD', '--env', 'dev')).toMatchObject({ code: 2, err: 'error: --changed-since and --env cannot be combined\n' });
  });
});
