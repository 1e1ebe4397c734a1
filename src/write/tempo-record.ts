// The Tempo state an environment was last generated at, read back from the committed output: the edge where the
// migration check (src/resolve/checks/tempo3.ts) learns what was rolled out before. Reading only; the pure part
// (helmfile text -> state) is tempoStateOfHelmfile.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { MIGRATION_LABEL, TEMPO_STATES, type TempoRecord, type TempoState } from '../components/tempo/index.js';
import { RELEASES } from '../components/names.js';
import { layout } from '../plan/layout.js';

export type { TempoRecord };

/**
 * From a helmfile tracestack wrote: a tempo3 release labelled with the migration phase -> that phase; a tempo3 release
 * without the label -> '3'; a tempo release (2.x) alone -> '2'; no Tempo release (Tempo disabled), or a helmfile that
 * does not parse -> undefined (no record: nothing to compare with).
 */
export function tempoStateOfHelmfile(text: string): TempoState | undefined {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return undefined;
  }
  const releases = (doc as { releases?: unknown } | null)?.releases;
  if (!Array.isArray(releases)) return undefined;
  const named = (name: string) => releases.find((r) => (r as { name?: unknown } | null)?.name === name) as { labels?: Record<string, unknown> } | undefined;
  const v3 = named(RELEASES.tempo3);
  if (v3) {
    const phase = v3.labels?.[MIGRATION_LABEL];
    if (typeof phase === 'string' && (TEMPO_STATES as readonly string[]).includes(phase) && phase !== '2' && phase !== '3') return phase as TempoState;
    if (!named(RELEASES.tempo)) return '3';
    // Both releases, written before the label existed: the collector needs the release it writes to (parallel: 2.x).
    const collectorNeeds = (named('collector') as { needs?: unknown } | undefined)?.needs;
    return Array.isArray(collectorNeeds) && collectorNeeds.some((n) => typeof n === 'string' && n.endsWith(`/${RELEASES.tempo3}`)) ? 'cutover' : 'parallel';
  }
  return named(RELEASES.tempo) ? '2' : undefined;
}

/** The record of one environment in the output folder, or undefined when it was never generated there. */
export function readTempoRecord(outDir: string, outPath: string, env: string): TempoRecord | undefined {
  let text: string;
  try {
    text = readFileSync(join(outDir, layout.helmfile(env)), 'utf8');
  } catch {
    return undefined;
  }
  // most environments never ran Tempo 3: a tempo release alone needs no YAML parse
  const state = text.includes(RELEASES.tempo3) ? tempoStateOfHelmfile(text) : text.includes(`name: ${RELEASES.tempo}\n`) ? '2' : undefined;
  return state ? { state, file: layout.inRepo(outPath, layout.helmfile(env)) } : undefined;
}
