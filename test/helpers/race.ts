// Issue 10, class 1: out/ under any interleaving of generate, generate --check, diff and a second generate (some of
// them killed). Every generate that exits 0 must leave exactly the new tree (hash compared with a reference render
// at the moment it exits); none may leave files missing; nothing may report an internal error; and after the dust
// settles one more generate finds a clean folder (no staging leftovers, no lock).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { CLI, hashFiles, listFiles, runCli, scratchRepo } from './repo.js';
import { readInputs } from '../../src/cli/io.js';
import * as pipeline from '../../src/pipeline.js';
import { withLedger } from '../../src/write/write.js';

// Sources in file headers are shown relative to the working folder, which differs between this process and the CLI.
const normalize = (text: string) => text.replace(/ from [^\n]*environments\//g, ' from environments/');
// (the fleet fingerprints, src/fleet/incremental.ts, hash each environment file's path as shown: left out here)
const hashTree = (entries: Iterable<[string, string]>): string =>
  hashFiles([...entries].filter(([f]) => f !== '.tracestack/fleet.json').map(([f, c]): [string, string] => [f, normalize(c)]));
/** The tree on disk: its hash (files read one by one, so a folder changing meanwhile shows as a mismatch). */
const diskHash = (dir: string) => hashTree(listFiles(join(dir, 'out')).map((f): [string, string] => [f, readFileSync(join(dir, 'out', f), 'utf8')]));
/** What `generate` must leave: the render of the current inputs plus the ledger of a full run. */
function referenceHash(dir: string): string {
  const r = pipeline.generate(readInputs(dir), { outPath: 'out' });
  if (!r.tree) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return hashTree(withLedger(r.tree, undefined, r.rendered, true));
}

/** A repository of `count` environments (copies of prod plus the examples), each with its own targetRevision line. */
function fleet(count: number): { dir: string; envs: string[] } {
  const dir = scratchRepo(false);
  const prod = readFileSync(join(dir, 'environments/prod.yaml'), 'utf8');
  const envs = ['prod'];
  for (let i = 0; i < count - 3; i++) {
    writeFileSync(join(dir, `environments/env${i}.yaml`), prod.replace('name: prod', `name: env${i}`));
    envs.push(`env${i}`);
  }
  return { dir, envs };
}
/** Switch every copy of prod to another Argo CD target revision: every Application of each changes. */
function setRevision(dir: string, envs: string[], rev: string) {
  for (const e of envs) {
    const f = join(dir, `environments/${e}.yaml`);
    writeFileSync(f, readFileSync(f, 'utf8').replace(/targetRevision: \S+/, `targetRevision: ${rev}`));
  }
}

interface Outcome {
  kind: 'generate' | 'check' | 'diff' | 'generate-2';
  code: number | null;
  signal: NodeJS.Signals | null;
  err: string;
  /** For a generate that exited 0: the tree on disk the moment it exited. */
  tree?: string;
}

function launch(dir: string, kind: Outcome['kind'], delay: number, killAfter?: number): Promise<Outcome> {
  const args = { generate: ['generate'], 'generate-2': ['generate'], check: ['generate', '--check'], diff: ['diff'] }[kind];
  return new Promise((resolve) => {
    setTimeout(() => {
      const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr!.on('data', (d) => (err += d));
      const timer = killAfter === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfter);
      let tree: string | undefined;
      child.on('exit', (code) => {
        clearTimeout(timer);
        // hashed at once, before anything else of this test runs: what the user would find at that moment
        if (code === 0 && kind.startsWith('generate')) tree = diskHash(dir);
      });
      child.on('close', (code, signal) => resolve({ kind, code, signal, err, tree }));
    }, delay);
  });
}

export async function race(size: number, iterations: number, seed: number, stats: Record<string, number>) {
  const { dir, envs } = fleet(size);
  const refs = new Map<string, string>();
  const ref = (rev: string) => {
    if (!refs.has(rev)) refs.set(rev, referenceHash(dir));
    return refs.get(rev)!;
  };
  const t0 = Date.now();
  expect(runCli(dir, ['generate']).code).toBe(0);
  const duration = Math.max(300, Date.now() - t0);
  expect(diskHash(dir)).toBe(ref('release'));
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < iterations; i++) {
    const rev = i % 2 ? 'release' : 'release-b';
    setRevision(dir, envs, rev);
    const want = ref(rev);
    const at = () => Math.floor(random() * duration * 1.2);
    // now and then a run is killed at a random moment, too
    const kill = () => (random() < 0.2 ? Math.floor(random() * duration) : undefined);
    const outcomes = await Promise.all([launch(dir, 'generate', 0), launch(dir, 'check', at(), kill()), launch(dir, 'diff', at(), kill()), launch(dir, 'generate-2', at(), kill())]);
    const where = `${size} environments, iteration ${i}`;
    for (const o of outcomes) {
      expect(o.err, `${where}: ${o.kind}`).not.toContain('internal error');
      if (o.signal) {
        stats.killed++;
        continue;
      }
      if (o.kind.startsWith('generate')) {
        expect([0, 1], `${where}: ${o.kind} exit ${o.code}: ${o.err}`).toContain(o.code);
        if (o.code === 1) {
          expect(o.err, `${where}: ${o.kind}`).toContain('another tracestack');
          stats.refused++;
        } else {
          expect(o.tree, `${where}: ${o.kind} exited 0 but out/ is not the new tree`).toBe(want);
          stats.written++;
        }
      } else {
        expect([0, 1], `${where}: ${o.kind} exit ${o.code}: ${o.err}`).toContain(o.code);
        stats.read++;
      }
    }
    // whatever was killed where: the next generate recovers and leaves the new tree and nothing beside it
    if (diskHash(dir) !== want || readdirSync(dir).some((f) => f.startsWith('.tracestack-'))) {
      const settle = runCli(dir, ['generate']);
      expect(settle.code, `${where}: settling generate: ${settle.err}`).toBe(0);
      expect(diskHash(dir), where).toBe(want);
      stats.settled++;
    }
    expect(readdirSync(dir).filter((f) => f.startsWith('.tracestack-')), where).toEqual([]);
    stats.iterations++;
    if (process.env.RACE_LOG) console.log(`${size}: iteration ${i} done at ${Date.now() - t0} ms (duration ${duration})`);
  }
}

