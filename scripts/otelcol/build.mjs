#!/usr/bin/env node
// npm run otelcol:build [-- <manifest>]: build the collector of a builder manifest (default builder-config.yaml;
// npm run otelcol:build:dataflow builds builder-config.dataflow.yaml, the base plus the data-flow test's components)
// with the OpenTelemetry Collector Builder into the cache (paths.mjs), or reuse the one there. Needs Go and the Go
// module proxy; writes nothing in git.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { BUILDER_MODULE, BUILDER_VERSION, MANIFEST, cacheRoot, composeManifest, otelcolBinary } from './paths.mjs';

const started = Date.now();
const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.error) throw new Error(`cannot run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
};

const manifestPath = process.argv[2] ? resolve(process.argv[2]) : MANIFEST;
if (!existsSync(manifestPath)) {
  console.error(`otelcol: no builder manifest ${manifestPath}`);
  process.exit(1);
}
const binary = otelcolBinary(process.env, manifestPath);
const works = (bin) => existsSync(bin) && spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0;

if (works(binary)) {
  console.log(`otelcol: cached ${binary} (${seconds()})`);
  process.exit(0);
}

if (spawnSync('go', ['version'], { stdio: 'ignore' }).status !== 0) {
  console.error('otelcol: Go is a prerequisite of the collector build (go not found on PATH); see README "Quick start"');
  process.exit(1);
}

// The builder itself, installed from the Go module proxy into the cache (not into ~/go/bin).
const builderDir = join(cacheRoot(), `builder-${BUILDER_VERSION}`);
const builder = join(builderDir, 'builder');
if (!works(builder)) {
  console.log(`otelcol: installing ${BUILDER_MODULE}@${BUILDER_VERSION}`);
  run('go', ['install', `${BUILDER_MODULE}@${BUILDER_VERSION}`], { env: { ...process.env, GOBIN: builderDir, GOFLAGS: '-mod=mod' } });
}

// Sources and go.mod in a scratch folder beside the result; only the binary is kept.
const target = dirname(binary);
const work = `${target}.tmp-${process.pid}`;
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
try {
  const manifest = composeManifest(manifestPath);
  manifest.dist.output_path = join(work, 'src');
  const config = join(work, 'builder-config.yaml');
  writeFileSync(config, stringify(manifest));
  console.log(`otelcol: building ${manifestPath} with builder ${BUILDER_VERSION} (a few minutes on a clean Go cache)`);
  run(builder, ['--config', config]);
  mkdirSync(target, { recursive: true });
  const built = join(work, 'src', manifest.dist.name);
  chmodSync(built, 0o755);
  renameSync(built, binary); // same file system: a concurrent reader sees no half-written binary
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (!works(binary)) throw new Error(`otelcol: ${binary} was built but does not run`);
console.log(`otelcol: built ${binary} (${seconds()})`);
