// The acceptance run of issue 10's race test: 100 races of generate, --check, diff and a second generate started at
// random moments (some killed) on a 200-environment fleet. About ten minutes on 2 cores, so it is its own command,
// `npm run test:race` (CI runs it after `npm test`); `npm test` runs the mixed-size lanes of test/race.test.ts.
import { describe, expect, it } from 'vitest';
import { race } from '../helpers/race.js';

describe('concurrent runs on one out/ of a 200-environment fleet', () => {
  it('100 races: every generate that exits 0 leaves exactly the new tree, none leaves files missing', async () => {
    const stats = { iterations: 0, written: 0, refused: 0, read: 0, killed: 0, settled: 0 };
    await Promise.all([race(200, 50, 2026, stats), race(200, 50, 1127, stats)]);
    expect(stats.iterations).toBe(100);
    expect(stats.written).toBeGreaterThan(30);
    expect(stats.refused).toBeGreaterThan(0);
    console.log(`races (200 environments): ${JSON.stringify(stats)}`);
  }, 3_600_000);
});
