import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
// @ts-ignore -- plain ESM shared with scripts/otelcol/build.mjs
import { otelcolBinary } from '../../scripts/otelcol/paths.mjs';
import { REPO } from './repo.js';

/**
 * vitest globalSetup: on a developer's machine with Go, build the test collector once (npm run otelcol:build; cached
 * outside git, reused while scripts/otelcol/builder-config.yaml is unchanged). Not in CI (CI=true): .ci/run builds
 * it before the tests, and test/otelcol-validate.test.ts fails there when it is missing. Without Go nothing is built
 * here and that test fails with the command to run.
 */
export default function setup(): void {
  if (process.env.CI === 'true' || existsSync(otelcolBinary())) return;
  if (spawnSync('go', ['version'], { stdio: 'ignore' }).status !== 0) return;
  spawnSync(process.execPath, [join(REPO, 'scripts/otelcol/build.mjs')], { stdio: 'inherit' });
}
