import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
// @ts-ignore -- plain ESM shared with scripts/otelcol/build.mjs
import { DATAFLOW_MANIFEST, otelcolBinary, telemetrygenBinary } from '../../scripts/otelcol/paths.mjs';
import { REPO } from './repo.js';

/**
 * vitest globalSetup: on a developer's machine with Go, build the test binaries once (cached outside git, reused
 * while their manifests and versions are unchanged): the validate collector (npm run otelcol:build), the data-flow
 * collector (npm run otelcol:build:dataflow) and telemetrygen (npm run telemetrygen:build). Not in CI (CI=true):
 * .ci/run builds them before the tests, and test/otelcol-validate.test.ts and test/dataflow.test.ts fail there when
 * one is missing. Without Go nothing is built here and those tests fail with the command to run.
 */
export default function setup(): void {
  if (process.env.CI === 'true') return;
  const missing: Array<[string, string[]]> = [
    [otelcolBinary(), ['scripts/otelcol/build.mjs']],
    [otelcolBinary(process.env, DATAFLOW_MANIFEST), ['scripts/otelcol/build.mjs', DATAFLOW_MANIFEST]],
    [telemetrygenBinary(), ['scripts/otelcol/telemetrygen.mjs']],
  ].filter(([bin]) => !existsSync(bin as string)) as Array<[string, string[]]>;
  if (missing.length === 0) return;
  if (spawnSync('go', ['version'], { stdio: 'ignore' }).status !== 0) return;
  for (const [, [script, ...args]] of missing) spawnSync(process.execPath, [join(REPO, script), ...args], { stdio: 'inherit' });
}
