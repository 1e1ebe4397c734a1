// Issue 10, class 1: out/ under any interleaving of generate, generate --check, diff and a second generate (some of
// them killed); the race itself is in helpers/race.ts. test/long/race-200.race.ts runs all 100 races on a
// 200-environment fleet (npm run test:race).
import { describe, expect, it } from 'vitest';
import { race } from './helpers/race.js';

describe('concurrent runs on one out/', () => {
  it('generate, --check, diff and a second generate started at random moments (some killed): 100 races', async () => {
    const stats = { iterations: 0, written: 0, refused: 0, read: 0, killed: 0, settled: 0 };
    // Four lanes side by side, each its own repository: two of the three example environments (cheap, so most of the
    // 100 races fit in the time), one of 9 environments (from 8 on, the background writer and compare threads are in
    // play), and one of 200 environments (each run takes seconds: long windows for the others to land in).
    await Promise.all([race(3, 32, 20261127, stats), race(3, 32, 77, stats), race(9, 34, 4242, stats), race(200, 2, 99, stats)]);
    expect(stats.iterations).toBe(100);
    // the races really raced: some generates won, some were refused by the lock, some runs were killed
    expect(stats.written).toBeGreaterThan(50);
    expect(stats.refused).toBeGreaterThan(0);
    expect(stats.killed).toBeGreaterThan(0);
    console.log(`races: ${JSON.stringify(stats)}`);
  }, 600_000);

});
