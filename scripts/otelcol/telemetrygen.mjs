#!/usr/bin/env node
// npm run telemetrygen:build: install telemetrygen (the OpenTelemetry test sender, contrib cmd/telemetrygen, at the
// version paths.mjs pins) from the Go module proxy into the cache (paths.mjs), or reuse the one there. The data-flow
// test (test/dataflow.test.ts) sends its traces with it. Needs Go and the Go module proxy; writes nothing in git.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TELEMETRYGEN_MODULE, TELEMETRYGEN_VERSION, telemetrygenBinary } from './paths.mjs';

const started = Date.now();
const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
const binary = telemetrygenBinary();
const works = (bin) => existsSync(bin) && spawnSync(bin, ['traces', '--help'], { stdio: 'ignore' }).status === 0;

if (works(binary)) {
  console.log(`telemetrygen: cached ${binary} (${seconds()})`);
  process.exit(0);
}
if (spawnSync('go', ['version'], { stdio: 'ignore' }).status !== 0) {
  console.error('telemetrygen: Go is a prerequisite of the build (go not found on PATH); see README "Quick start"');
  process.exit(1);
}
// go install into a scratch GOBIN beside the result, then one rename: a concurrent reader sees no half-written binary.
const work = `${dirname(binary)}.tmp-${process.pid}`;
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
try {
  console.log(`telemetrygen: installing ${TELEMETRYGEN_MODULE}@${TELEMETRYGEN_VERSION} (a minute or two on a clean Go cache)`);
  const r = spawnSync('go', ['install', `${TELEMETRYGEN_MODULE}@${TELEMETRYGEN_VERSION}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GOBIN: work, GOFLAGS: '-mod=mod' },
  });
  if (r.error || r.status !== 0) throw new Error(`go install ${TELEMETRYGEN_MODULE}@${TELEMETRYGEN_VERSION} failed (${r.error?.message ?? `exit ${r.status}`})`);
  mkdirSync(dirname(binary), { recursive: true });
  renameSync(join(work, 'telemetrygen'), binary);
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (!works(binary)) throw new Error(`telemetrygen: ${binary} was installed but does not run`);
console.log(`telemetrygen: built ${binary} (${seconds()})`);
