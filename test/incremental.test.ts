// Incremental fleets (src/fleet/incremental.ts): an environment whose inputs and files are unchanged is reused, and
// every way the reuse could go wrong falls back to rendering. Each step runs the CLI on one 12-environment fleet.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { editFile, REPO, runCli, scratchRepo } from './helpers/repo.js';

const FLEET = 'out/.tracestack/fleet.json';

function fleetRepo(): string {
  const dir = scratchRepo(false);
  // the four original examples plus eight copies of prod (the other examples are left out, so the counts below hold)
  for (const f of readdirSync(join(dir, 'environments')).filter((f) => f.endsWith('.yaml') && !['_defaults.yaml', 'dev.yaml', 'prod.yaml', 'staging.yaml', 'teams-demo.yaml'].includes(f))) rmSync(join(dir, 'environments', f));
  const prod = readFileSync(join(REPO, 'environments/prod.yaml'), 'utf8');
  for (let i = 0; i < 8; i++) writeFileSync(join(dir, `environments/env${i}.yaml`), prod.replace('name: prod', `name: env${i}`));
  return dir; // 12 environments: dev, prod, staging, teams-demo, env0..env7
}

const summary = (out: string) => /\((\d+) rendered, (\d+) reused unchanged\)/.exec(out)?.slice(1).map(Number);

describe('incremental fleet generate', () => {
  const dir = fleetRepo();
  const gen = (...args: string[]) => runCli(dir, ['generate', ...args]);

  it('the first run renders all 12 and records fingerprints; the second reuses all 12; both say counts, not 12 names', () => {
    const first = gen();
    expect(first.code, first.err).toBe(0);
    expect(first.out).toMatch(/^generated 12 environments \(12 rendered, 0 reused unchanged\) into out\/: \d+ written, 0 pruned/);
    const recorded = readFileSync(join(dir, FLEET), 'utf8');
    const doc = JSON.parse(recorded);
    expect(doc.environments.map((e: { name: string }) => e.name)).toEqual(['dev', 'env0', 'env1', 'env2', 'env3', 'env4', 'env5', 'env6', 'env7', 'prod', 'staging', 'teams-demo']);
    expect(recorded).not.toContain(dir); // no absolute paths
    const second = gen();
    expect(second.code, second.err).toBe(0);
    expect(second.out).toMatch(/^generated 12 environments \(0 rendered, 12 reused unchanged\) into out\/: 0 written, 0 pruned/);
    // the same warnings as a full run (replayed from the fingerprints), and the same fingerprint file
    expect(second.err).toBe(first.err);
    expect(readFileSync(join(dir, FLEET), 'utf8')).toBe(recorded);
    const check = gen('--check');
    expect(check.code, check.err).toBe(0);
    expect(check.out).toBe('ok: out/ is up to date (12 environments (0 rendered, 12 reused unchanged))\n');
    // what was reused is exactly what a full render produces (fingerprint file included)
    const full = gen('--check', '--no-cache');
    expect(full.code, full.err).toBe(0);
    expect(summary(full.out)).toEqual([12, 0]);
  });

  it('a hand-edited output file of an unchanged environment is reported by --check and restored by generate', () => {
    const file = join(dir, 'out/env3/values/tempo3.yaml');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good + '# edited by hand\n');
    const check = gen('--check');
    expect(check.code).toBe(1);
    expect(check.err).toContain('different: out/env3/values/tempo3.yaml');
    expect(check.err).toContain('1 file out of date');
    const r = gen();
    expect(r.code, r.err).toBe(0);
    expect(summary(r.out)).toEqual([1, 11]);
    expect(r.out).toContain('1 written');
    expect(readFileSync(file, 'utf8')).toBe(good);
  });

  it('a deleted output file makes its environment render again', () => {
    rmSync(join(dir, 'out/env5/helmfile.yaml'));
    const r = gen();
    expect(r.code, r.err).toBe(0);
    expect(summary(r.out)).toEqual([1, 11]);
    expect(existsSync(join(dir, 'out/env5/helmfile.yaml'))).toBe(true);
  });

  it('a changed environment renders again alone; --env with it keeps --check clean (the fingerprint file is not "shared output")', () => {
    editFile(join(dir, 'environments/env1.yaml'), 'samplingPercentage: 5', 'samplingPercentage: 7');
    const only = gen('--env', 'env1');
    expect(only.code, only.err).toBe(0);
    expect(only.out).toMatch(/^generated env1 into out\//);
    const check = gen('--check');
    expect(check.code, check.err).toBe(0);
    expect(summary(check.out)).toEqual([0, 12]);
    editFile(join(dir, 'environments/env1.yaml'), 'samplingPercentage: 7', 'samplingPercentage: 9');
    const r = gen();
    expect(r.code, r.err).toBe(0);
    expect(summary(r.out)).toEqual([1, 11]);
  });

  it('a change to _defaults.yaml renders every environment again', () => {
    writeFileSync(join(dir, 'environments/_defaults.yaml'), readFileSync(join(dir, 'environments/_defaults.yaml'), 'utf8') + '# a comment\n');
    const r = gen();
    expect(r.code, r.err).toBe(0);
    expect(summary(r.out)).toEqual([12, 0]);
  });

  it('a fingerprint file from another tracestack build is ignored: everything renders', () => {
    editFile(join(dir, FLEET), /"tool":"[^"]+"/, '"tool":"0.0.1+0000000000000000"');
    const r = gen();
    expect(r.code, r.err).toBe(0);
    expect(summary(r.out)).toEqual([12, 0]);
    expect(readFileSync(join(dir, FLEET), 'utf8')).not.toContain('0.0.1+');
  });

  it('a corrupt fingerprint file means a full run, not a crash, and is rewritten; --no-cache renders everything', () => {
    writeFileSync(join(dir, FLEET), '{"generator":"tracestack", not json');
    const r = gen();
    expect(r.code, r.err).toBe(0);
    expect(summary(r.out)).toEqual([12, 0]);
    expect(() => JSON.parse(readFileSync(join(dir, FLEET), 'utf8'))).not.toThrow();
    writeFileSync(join(dir, FLEET), JSON.stringify({ generator: 'tracestack', format: 1, tool: JSON.parse(readFileSync(join(dir, FLEET), 'utf8')).tool, environments: [{ name: 'env0' }] }));
    expect(summary(gen().out)).toEqual([12, 0]);
    expect(summary(gen('--no-cache').out)).toEqual([12, 0]);
    expect(summary(gen().out)).toEqual([0, 12]);
  });

  it('a deleted environment is pruned, and dropped from the fleet fingerprints', () => {
    rmSync(join(dir, 'environments/env7.yaml'));
    const r = gen();
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^generated 11 environments \(0 rendered, 11 reused unchanged\) into out\/: 1 written, [1-9]\d* pruned/);
    expect(existsSync(join(dir, 'out/env7'))).toBe(false);
    expect(readFileSync(join(dir, FLEET), 'utf8')).not.toContain('"env7"');
  });

  it('a new environment whose Argo CD project collides with a reused environment is still reported', () => {
    const prod = readFileSync(join(REPO, 'environments/prod.yaml'), 'utf8');
    writeFileSync(join(dir, 'environments/clash.yaml'), prod.replace('name: prod', 'name: clash').replace(/^  argocd:\n/m, '  argocd:\n    project: tracestack-env2\n'));
    const r = gen();
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/AppProject "tracestack-env2" .* is also rendered by environments\/env2\.yaml/);
    expect(r.err).toMatch(/AppProject "tracestack-env2" .* is also rendered by environments\/clash\.yaml/);
  });
});
