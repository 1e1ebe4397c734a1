// Where the test collector lives: a cache outside git, keyed by the builder manifest and the builder's version,
// so a changed manifest builds anew and an unchanged one is reused. Shared by build.mjs and the tests.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** OpenTelemetry Collector Builder, go.opentelemetry.io/collector/cmd/builder: the release of the collector it builds. */
export const BUILDER_VERSION = 'v0.158.0';
export const BUILDER_MODULE = 'go.opentelemetry.io/collector/cmd/builder';
export const MANIFEST = join(here, 'builder-config.yaml');

/** $TRACESTACK_OTELCOL_CACHE, else $XDG_CACHE_HOME/tracestack, else ~/.cache/tracestack. */
export function cacheRoot(env = process.env) {
  if (env.TRACESTACK_OTELCOL_CACHE) return env.TRACESTACK_OTELCOL_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tracestack');
}

export function buildKey(manifestText = readFileSync(MANIFEST, 'utf8')) {
  return createHash('sha256').update(`${BUILDER_VERSION}\n${manifestText}`).digest('hex').slice(0, 16);
}

/** The collector binary built from the current manifest (present or not). */
export function otelcolBinary(env = process.env) {
  return join(cacheRoot(env), `otelcol-${buildKey()}`, 'otelcol');
}
