import { createRequire } from 'node:module';
import type { SecretHit } from './rules.js';

interface LintRule {
  meta: { id: string; type?: string };
  create(context: unknown, options: Record<string, unknown>): { file?(source: unknown): unknown };
}
let presetRules: LintRule[] | undefined;
function preset(): LintRule[] {
  if (!presetRules) {
    // Loaded on first use (only lines that pass the candidate filter need it); ESM, required synchronously
    // (Node >= 20.19 loads ES modules through require).
    const require = createRequire(import.meta.url);
    const mod = require('@secretlint/secretlint-rule-preset-recommend') as { rules: LintRule[] };
    presetRules = mod.rules.filter((r) => r.meta.type === 'scanner');
  }
  return presetRules;
}

/**
 * Cheap filter for lines worth handing to the library: a run of 20+ token characters with a digit and an uppercase
 * letter or underscore (every token format the preset knows), userinfo in a URL, a key block. Host names,
 * hyphenated resource names, paths and ordinary settings do not pass, so a run over plain environment files (and
 * the examples' output) does not even load the library.
 */
function isCandidate(line: string): boolean {
  if (line.includes('-----BEGIN') || /:\/\/[^\s/]*@/.test(line)) return true;
  const runs = line.match(/[A-Za-z0-9_+/=]{20,}/g);
  return !!runs && runs.some((r) => /\d/.test(r) && /[A-Z_]/.test(r));
}

export function scanWithLibrary(line: string): SecretHit | null {
  if (!isCandidate(line)) return null;
  const found: Array<{ rule: string; messageId: string; range: [number, number] }> = [];
  for (const rule of preset()) {
    const context = {
      createTranslator: () => (messageId: string) => messageId,
      report: (d: { message: string; range: [number, number] }) => found.push({ rule: rule.meta.id, messageId: String(d.message), range: d.range }),
      ignore: () => undefined,
    };
    const source = {
      content: line,
      filePath: 'values.yaml',
      ext: '.yaml',
      contentType: 'text',
      indexToPosition: (i: number) => ({ line: 1, column: i }),
      locationToRange: (loc: { start: { column: number }; end: { column: number } }) => [loc.start.column, loc.end.column],
    };
    try {
      const r = rule.create(context, {}).file?.(source);
      if (r && typeof (r as Promise<unknown>).then === 'function') (r as Promise<unknown>).catch(() => undefined);
    } catch {
      // a rule that cannot handle a single line says nothing about it
    }
    if (found.length) break;
  }
  const f = found[0];
  if (!f) return null;
  return { column: f.range[0], what: `a credential (${f.messageId})`, rule: f.rule, value: line.slice(f.range[0], f.range[1]) };
}

