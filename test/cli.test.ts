import { existsSync, readFileSync, writeFileSync, rmSync, mkdirSync, symlinkSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { editFile, listFiles, readTree, runCli, scratchRepo, treeHash } from './helpers/repo.js';

const run = (cwd: string, ...args: string[]) => runCli(cwd, args);
const edit = editFile;

describe('tracestack CLI', () => {
  it('generate on an unchanged repo writes nothing new and --check passes', () => {
    const dir = scratchRepo();
    const before = treeHash(join(dir, 'out'));
    expect(run(dir, 'generate', '--check').code).toBe(0);
    const r = run(dir, 'generate');
    expect(r.code).toBe(0);
    expect(r.out).toContain('0 written, 0 pruned');
    expect(treeHash(join(dir, 'out'))).toBe(before);
  });

  it('an unknown key fails validate and generate with file, line, column and key, and leaves out/ untouched', () => {
    const dir = scratchRepo();
    edit(join(dir, 'environments/prod.yaml'), '    retention: 14d\n', '    retention: 14d\n    retenion: 30d\n');
    const before = treeHash(join(dir, 'out'));
    for (const cmd of [['validate'], ['generate'], ['generate', '--check']]) {
      const r = run(dir, ...cmd);
      expect(r.code, cmd.join(' ')).toBe(1);
      expect(r.err).toMatch(/environments\/prod\.yaml:\d+:5: error: spec\.tempo\.retenion: unknown key "retenion"/);
      expect(r.err).toContain('did you mean "retention"?');
    }
    const line = readFileSync(join(dir, 'environments/prod.yaml'), 'utf8').split('\n').findIndex((l) => l.includes('retenion')) + 1;
    expect(run(dir, 'validate').err).toContain(`environments/prod.yaml:${line}:5:`);
    expect(treeHash(join(dir, 'out'))).toBe(before);
  });

  it('an error in the shared defaults points at the defaults file', () => {
    const dir = scratchRepo(false);
    edit(join(dir, 'environments/_defaults.yaml'), '    mode: deployment\n', '    mode: deploymnt\n');
    const r = run(dir, 'validate');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/environments\/_defaults\.yaml:\d+:11: error: spec\.collector\.mode: expected one of: deployment, daemonset, statefulset; got string "deploymnt"/);
    expect(r.err).toContain('did you mean "deployment"?');
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('changing only the prod sampling percentage changes only prod files', () => {
    const dir = scratchRepo();
    const before = readTree(join(dir, 'out'));
    edit(join(dir, 'environments/prod.yaml'), 'samplingPercentage: 5', 'samplingPercentage: 7.5');
    expect(run(dir, 'generate', '--check').code).toBe(1);
    expect(run(dir, 'generate').code).toBe(0);
    const after = readTree(join(dir, 'out'));
    const changed = [...after.keys()].filter((f) => after.get(f) !== before.get(f));
    expect(changed).toEqual(['prod/kustomize/istio-telemetry/kustomization.yaml']);
    expect(after.get(changed[0])).toContain('randomSamplingPercentage: 7.5');
    expect([...before.keys()]).toEqual([...after.keys()]);
  });

  it('--check lists missing, different and stale files and exits 1', () => {
    const dir = scratchRepo();
    rmSync(join(dir, 'out/prod/values/tempo3.yaml'));
    writeFileSync(join(dir, 'out/dev/values/grafana.yaml'), 'edited by hand\n');
    const ledger = JSON.parse(readFileSync(join(dir, 'out/.tracestack/manifest.json'), 'utf8'));
    ledger.files.push('prod/values/old-release.yaml');
    writeFileSync(join(dir, 'out/.tracestack/manifest.json'), JSON.stringify(ledger));
    writeFileSync(join(dir, 'out/prod/values/old-release.yaml'), 'x: 1\n');
    const r = run(dir, 'generate', '--check');
    expect(r.code).toBe(1);
    expect(r.err).toContain('missing: out/prod/values/tempo3.yaml');
    expect(r.err).toContain('different: out/dev/values/grafana.yaml');
    expect(r.err).toContain('stale: out/prod/values/old-release.yaml');
  });

  it('a removed environment leaves nothing behind; files tracestack did not write are kept', () => {
    const dir = scratchRepo();
    writeFileSync(join(dir, 'out/NOTES.md'), 'mine\n');
    rmSync(join(dir, 'environments/dev.yaml'));
    const r = run(dir, 'generate');
    expect(r.code).toBe(0);
    expect(listFiles(join(dir, 'out')).filter((f) => f.startsWith('dev/'))).toEqual([]);
    expect(existsSync(join(dir, 'out/dev'))).toBe(false);
    expect(readFileSync(join(dir, 'out/NOTES.md'), 'utf8')).toBe('mine\n');
  });

  it('--env renders one environment and prunes nothing of the others', () => {
    const dir = scratchRepo();
    const before = readTree(join(dir, 'out'));
    rmSync(join(dir, 'out/prod'), { recursive: true });
    expect(run(dir, 'generate', '--env', 'dev').code).toBe(0);
    expect(listFiles(join(dir, 'out')).some((f) => f.startsWith('prod/'))).toBe(false);
    expect(run(dir, 'generate', '--env', 'prod').code).toBe(0);
    expect(readTree(join(dir, 'out'))).toEqual(before);
    // an --env naming no environment is a usage error (exit 2), as in graph and diff
    const r = run(dir, 'generate', '--env', 'qa');
    expect(r.code).toBe(2);
    expect(r.err).toBe('error: no environment named "qa" (known: ambient-demo, dev, prod, staging, teams-demo, tempo3-demo, tempo3-migration)\n');
  });

  it('--env naming an environment that fails validation reports its errors, not "no environment named"', () => {
    const dir = scratchRepo();
    const before = treeHash(join(dir, 'out'));
    edit(join(dir, 'environments/tempo3-demo.yaml'), 'baselinePercent: 5\n', 'baselinePercent: 500\n');
    const r = run(dir, 'generate', '--env', 'tempo3-demo');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/environments\/tempo3-demo\.yaml:\d+:\d+: error: spec\.sampling\.policies\.baselinePercent: must be <= 100/);
    expect(r.err).not.toContain('no environment named');
    expect(treeHash(join(dir, 'out'))).toBe(before);
  });

  it('refuses to overwrite a file it did not write', () => {
    const dir = scratchRepo(false);
    mkdirSync(join(dir, 'out/prod/values'), { recursive: true });
    writeFileSync(join(dir, 'out/prod/values/tempo3.yaml'), 'hand-written\n');
    const r = run(dir, 'generate');
    expect(r.code).toBe(1);
    expect(r.err).toContain('prod/values/tempo3.yaml');
    expect(readFileSync(join(dir, 'out/prod/values/tempo3.yaml'), 'utf8')).toBe('hand-written\n');
  });

  it('does not write through a symlink that leads out of out/', () => {
    const dir = scratchRepo(false);
    const outside = mkdtempSync(join(tmpdir(), 'tracestack-outside-'));
    mkdirSync(join(dir, 'out'), { recursive: true });
    symlinkSync(outside, join(dir, 'out/prod'));
    const r = run(dir, 'generate');
    expect(r.code).toBe(1);
    expect(r.err).toContain('symlink');
    expect(listFiles(outside)).toEqual([]);
    // checked before writing anything: not even the other environment was written
    expect(listFiles(join(dir, 'out'))).toEqual(['prod']);
  });

  it('finds a symlink deep in an existing output tree, below folders it has already checked', () => {
    const dir = scratchRepo(false);
    expect(run(dir, 'generate').code).toBe(0);
    const outside = mkdtempSync(join(tmpdir(), 'tracestack-outside-'));
    rmSync(join(dir, 'out/prod/kustomize/collector'), { recursive: true });
    symlinkSync(outside, join(dir, 'out/prod/kustomize/collector'));
    editFile(join(dir, 'environments/prod.yaml'), 'samplingPercentage: 5', 'samplingPercentage: 7');
    const r = run(dir, 'generate');
    expect(r.code).toBe(1);
    expect(r.err).toContain('prod/kustomize/collector is a symlink');
    expect(listFiles(outside)).toEqual([]);
  });

  it('usage errors exit 2', () => {
    const dir = scratchRepo(false);
    expect(run(dir, 'generate', '--no-such-flag').code).toBe(2);
    expect(run(dir, 'frobnicate').code).toBe(2);
  });
});
