// Where the test binaries live: a cache outside git. The collector is keyed by its builder manifest (and, for a
// manifest with a `base`, the base's text) and the builder's version, so a changed manifest builds anew and an
// unchanged one is reused; telemetrygen by its version. Shared by build.mjs, telemetrygen.mjs and the tests.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));

/** OpenTelemetry Collector Builder, go.opentelemetry.io/collector/cmd/builder: the release of the collector it builds. */
export const BUILDER_VERSION = 'v0.158.0';
export const BUILDER_MODULE = 'go.opentelemetry.io/collector/cmd/builder';
/** The validate collector: exactly the components tracestack renders. */
export const MANIFEST = join(here, 'builder-config.yaml');
/** The data-flow test's collector: MANIFEST plus test-only components (builder-config.dataflow.yaml says which). */
export const DATAFLOW_MANIFEST = join(here, 'builder-config.dataflow.yaml');

/**
 * telemetrygen, the OpenTelemetry test sender (contrib cmd/telemetrygen), from the Go module proxy. The proxy serves
 * it at v0.149.0, v0.160.0 and v0.161.0 (not at the collector's v0.158.0); v0.160.0 is the nearest above.
 */
export const TELEMETRYGEN_MODULE = 'github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen';
export const TELEMETRYGEN_VERSION = 'v0.160.0';

/** $TRACESTACK_OTELCOL_CACHE, else $XDG_CACHE_HOME/tracestack, else ~/.cache/tracestack. */
export function cacheRoot(env = process.env) {
  if (env.TRACESTACK_OTELCOL_CACHE) return env.TRACESTACK_OTELCOL_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tracestack');
}

const ocbKinds = ['receivers', 'processors', 'exporters', 'connectors', 'extensions', 'providers', 'replaces'];
const moduleOf = (entry) => (typeof entry === 'string' ? entry.split('=>')[0].trim() : String(entry.gomod).split(/\s+/)[0]);

/**
 * The builder manifest `path` stands for: as is, or, when it names a `base` manifest (relative to itself), the base
 * with its `dist` fields overridden and its component lists extended (a module in both is listed once, the base's
 * entry kept). `base` itself is not an ocb key and is not in the result.
 */
export function composeManifest(path = MANIFEST) {
  const own = parse(readFileSync(path, 'utf8'));
  if (!own.base) return own;
  const { base: baseFile, ...extra } = own;
  const base = composeManifest(resolve(dirname(path), baseFile));
  const out = { ...base, dist: { ...base.dist, ...(extra.dist ?? {}) } };
  for (const kind of ocbKinds) {
    if (!extra[kind]) continue;
    const have = new Set((base[kind] ?? []).map(moduleOf));
    out[kind] = [...(base[kind] ?? []), ...extra[kind].filter((e) => !have.has(moduleOf(e)))];
  }
  return out;
}

/** The texts a manifest's build depends on: its own and, recursively, its base's. */
function manifestTexts(path) {
  const text = readFileSync(path, 'utf8');
  const base = parse(text).base;
  return base ? [text, ...manifestTexts(resolve(dirname(path), base))] : [text];
}

export function buildKey(manifestText = readFileSync(MANIFEST, 'utf8')) {
  return createHash('sha256').update(`${BUILDER_VERSION}\n${manifestText}`).digest('hex').slice(0, 16);
}

/** The collector binary built from `manifest` (present or not); the base manifest's key is its text's, as before. */
export function otelcolBinary(env = process.env, manifest = MANIFEST) {
  const key = buildKey(manifestTexts(manifest).join('\n---\n'));
  return join(cacheRoot(env), `otelcol-${key}`, composeManifest(manifest).dist.name);
}

/** The telemetrygen binary (present or not). */
export function telemetrygenBinary(env = process.env) {
  return join(cacheRoot(env), `telemetrygen-${TELEMETRYGEN_VERSION}`, 'telemetrygen');
}
