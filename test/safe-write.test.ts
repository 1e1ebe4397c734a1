import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync, rmSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, readTree, runCli, scratchRepo, treeHash } from './helpers/repo.js';
import { readInputs } from '../src/cli/io.js';
import * as pipeline from '../src/pipeline.js';

const leftovers = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('.tracestack-'));

/** A repo with many environments, so a write takes long enough to be interrupted in the middle. */
function fleetRepo(count: number): string {
  const dir = scratchRepo(false);
  const prod = readFileSync(join(dir, 'environments/prod.yaml'), 'utf8');
  for (let i = 0; i < count; i++) writeFileSync(join(dir, `environments/env${i}.yaml`), prod.replace('name: prod', `name: env${i}`));
  return dir;
}

describe('safe writes', () => {
  it('a killed generate leaves the old tree or the new one, never a mix (50 kills at random points)', async () => {
    // 9 environments: files are written by the background writer while later environments render
    const dir = fleetRepo(6);
    expect(runCli(dir, ['generate']).code).toBe(0);
    const oldTree = treeHash(join(dir, 'out'));
    const saved = join(dir, 'saved-old-out');
    cpSync(join(dir, 'out'), saved, { recursive: true });
    // The new tree: every environment changes (shared defaults), so a partial write would be visible.
    const defaults = join(dir, 'environments/_defaults.yaml');
    writeFileSync(defaults, readFileSync(defaults, 'utf8').replace('retention: 72h', 'retention: 96h').replace('samplingPercentage: 1', 'samplingPercentage: 2'));
    const probe = join(dir, 'probe');
    cpSync(join(dir, 'environments'), join(probe, 'environments'), { recursive: true });
    cpSync(saved, join(probe, 'out'), { recursive: true });
    const t0 = Date.now();
    expect(runCli(probe, ['generate']).code).toBe(0);
    const duration = Date.now() - t0;
    const newTree = treeHash(join(probe, 'out'));
    expect(newTree).not.toBe(oldTree);

    let seed = 20261124;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const seen = { old: 0, new: 0, restored: 0 };
    for (let i = 0; i < 50; i++) {
      rmSync(join(dir, 'out'), { recursive: true, force: true });
      cpSync(saved, join(dir, 'out'), { recursive: true });
      const child = spawn(process.execPath, [CLI, 'generate'], { cwd: dir, stdio: 'ignore' });
      // from early in start-up to well after a normal run ends, so both sides of the swap are hit even on a loaded machine
      const delay = Math.floor(duration * (0.1 + random() * 1.9));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), delay);
        child.on('exit', () => (clearTimeout(timer), resolve()));
      });
      let now = treeHash(join(dir, 'out'));
      if (now === 'absent') {
        // killed between the two renames of the swap: the next run (even --check) puts the old tree back first
        runCli(dir, ['generate', '--check']);
        now = treeHash(join(dir, 'out'));
        seen.restored++;
      }
      expect([oldTree, newTree].includes(now), `kill ${i} after ${delay} ms left a mixed or missing tree`).toBe(true);
      if (now === oldTree) seen.old++;
      else if (now === newTree) seen.new++;
      rmSync(join(dir, '.tracestack-lock-out'), { force: true });
    }
    // the kills landed on both sides of the swap, so the test exercised the interesting window
    expect(seen.old + seen.new).toBe(50);
    expect(seen.old).toBeGreaterThan(0);
    expect(seen.new).toBeGreaterThan(0);
    // a later successful run cleans up whatever the kills left beside out/
    expect(runCli(dir, ['generate']).code).toBe(0);
    expect(treeHash(join(dir, 'out'))).toBe(newTree);
    expect(leftovers(dir)).toEqual([]);
  }, 240_000);

  it('a fleet is staged while it renders, and an invalid environment found late still leaves out/ untouched', () => {
    const dir = fleetRepo(6); // 9 environments: the background writer stages each as soon as it is rendered
    // (sources in headers are shown relative to the working folder, which differs between this test and the CLI)
    const bodies = (tree: Map<string, string>) => new Map([...tree].map(([f, c]) => [f, c.replace(/ from [^\n]*environments\//g, ' from environments/')]));
    const planned = bodies(pipeline.generate(readInputs(dir), { outPath: 'out' }).tree!);
    expect(planned.size).toBeGreaterThan(9 * 20);
    expect(runCli(dir, ['generate']).code).toBe(0);
    const written = bodies(readTree(join(dir, 'out')));
    written.delete('.tracestack/manifest.json');
    // the fleet fingerprints hash each environment file's path as shown, which differs here the same way
    written.delete('.tracestack/fleet.json');
    expect(planned.delete('.tracestack/fleet.json')).toBe(true);
    expect(written).toEqual(planned);
    expect(runCli(dir, ['generate', '--check']).code).toBe(0);
    const before = treeHash(join(dir, 'out'));

    // every environment changes (shared defaults), and the last one read is invalid: the eight before it were
    // rendered and staged when the error is found
    const defaults = join(dir, 'environments/_defaults.yaml');
    writeFileSync(defaults, readFileSync(defaults, 'utf8').replace('retention: 72h', 'retention: 96h'));
    const last = join(dir, 'environments/teams-demo.yaml');
    writeFileSync(last, readFileSync(last, 'utf8').replace(/name: teams-demo\n/, 'name: teams-demo\n  bogus: 1\n'));
    const r = runCli(dir, ['generate']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/environments\/teams-demo\.yaml:\d+:\d+: error: metadata\.bogus/);
    expect(treeHash(join(dir, 'out'))).toBe(before);
    expect(leftovers(dir)).toEqual([]);

    // the same into an empty folder: nothing is created
    rmSync(join(dir, 'out'), { recursive: true });
    expect(runCli(dir, ['generate']).code).toBe(1);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    expect(leftovers(dir)).toEqual([]);
  });

  it('--check on a fleet (compared by a worker thread while it renders) lists missing, different and stale files', () => {
    const dir = fleetRepo(6);
    expect(runCli(dir, ['generate']).code).toBe(0);
    expect(runCli(dir, ['generate', '--check']).out).toContain('is up to date');
    rmSync(join(dir, 'out/env3/values/tempo3.yaml'));
    writeFileSync(join(dir, 'out/dev/helmfile.yaml'), 'edited by hand\n');
    rmSync(join(dir, 'environments/env5.yaml')); // its whole tree is now stale
    const r = runCli(dir, ['generate', '--check']);
    expect(r.code).toBe(1);
    // (the examples' placeholder repoURL and prod's ingress-nginx deprecation are warnings on purpose: not part of this list)
    const lines = r.err
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('note: ') && !l.includes('placeholder host git.example.com') && !l.startsWith('  Set spec.argocd.repoURL') && !l.includes('ingress-nginx was retired') && !l.startsWith('  Set: spec.edge.type: istio-gateway'));
    const stale = lines.filter((l) => l.startsWith('stale: out/env5/'));
    expect(stale.length).toBeGreaterThan(20);
    expect(lines.filter((l) => !l.startsWith('stale: out/env5/'))).toEqual([
      // (fleet.json: the fleet fingerprints no longer list env5, src/fleet/incremental.ts)
      'different: out/.tracestack/fleet.json',
      'different: out/.tracestack/manifest.json',
      'different: out/dev/helmfile.yaml',
      'missing: out/env3/values/tempo3.yaml',
      `${stale.length + 4} files out of date; run \`tracestack generate\`.`,
    ]);
  });

  it('a crash at the hardest moments leaves the old tree (after staging) or a tree the next run restores (between the renames)', () => {
    for (const point of ['staged', 'between-renames']) {
      const dir = scratchRepo();
      const before = treeHash(join(dir, 'out'));
      const file = join(dir, 'environments/prod.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace('samplingPercentage: 5', 'samplingPercentage: 9'));
      const crashed = runCli(dir, ['generate'], { TRACESTACK_FAILPOINT: point });
      expect(crashed.signal, point).toBe('SIGKILL');
      if (point === 'staged') expect(treeHash(join(dir, 'out'))).toBe(before);
      else expect(existsSync(join(dir, 'out'))).toBe(false);
      // the next run (here a read-only --check) first puts the old tree back, then reports the drift
      const check = runCli(dir, ['generate', '--check']);
      expect(check.code).toBe(1);
      expect(treeHash(join(dir, 'out'))).toBe(before);
      // --check took the dead run's lock over to recover, and released it
      expect(existsSync(join(dir, '.tracestack-lock-out'))).toBe(false);
      expect(runCli(dir, ['generate']).code).toBe(0);
      expect(readFileSync(join(dir, 'out/prod/kustomize/istio-telemetry/kustomization.yaml'), 'utf8')).toContain('randomSamplingPercentage: 9');
      expect(leftovers(dir)).toEqual([]);
    }
  });

  it('an old tree beside out/ that no swap journal describes is not restored (it may be incomplete), and is removed', () => {
    const dir = scratchRepo();
    const before = treeHash(join(dir, 'out'));
    renameSync(join(dir, 'out'), join(dir, '.tracestack-old-out-99999'));
    rmSync(join(dir, '.tracestack-old-out-99999/prod'), { recursive: true });
    const r = runCli(dir, ['generate']);
    expect(r.code).toBe(0);
    expect(r.err).toContain('removed .tracestack-old-out-99999, a previous out/ an interrupted run left without a swap journal');
    expect(treeHash(join(dir, 'out'))).toBe(before);
    expect(leftovers(dir)).toEqual([]);
  });

  it('two concurrent runs are serialized by a lock: the loser says so and changes nothing', () => {
    const dir = scratchRepo();
    const before = treeHash(join(dir, 'out'));
    writeFileSync(join(dir, 'environments/prod.yaml'), readFileSync(join(dir, 'environments/prod.yaml'), 'utf8').replace('samplingPercentage: 5', 'samplingPercentage: 6'));
    // a live process holds the lock (this test runner's parent stands in for the other generate)
    writeFileSync(join(dir, '.tracestack-lock-out'), `${process.ppid}\n`);
    const r = runCli(dir, ['generate']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`another tracestack (pid ${process.ppid}) is writing`);
    expect(treeHash(join(dir, 'out'))).toBe(before);
    // a lock left by a dead process is taken over
    writeFileSync(join(dir, '.tracestack-lock-out'), '2147483646\n');
    expect(runCli(dir, ['generate']).code).toBe(0);
    expect(treeHash(join(dir, 'out'))).not.toBe(before);
    expect(existsSync(join(dir, '.tracestack-lock-out'))).toBe(false);
  });

  it('keeps files it did not write, with a warning, and writes nothing when nothing changed', () => {
    const dir = scratchRepo();
    writeFileSync(join(dir, 'out/OWNERS'), 'platform-team\n');
    const r = runCli(dir, ['generate']);
    expect(r.code).toBe(0);
    expect(r.err).toContain('OWNERS');
    expect(readFileSync(join(dir, 'out/OWNERS'), 'utf8')).toBe('platform-team\n');
    expect(r.out).toContain('0 written, 0 pruned');
  });
});
