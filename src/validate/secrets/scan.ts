import type { Diagnostic } from '../../diagnostics.js';
import { CappedMemo } from '../../startup.js';
import { ENV_NAME, ENV_VALUE, isCredentialKey, isEnvCredentialName, isPlaceholder, literalCredential, looksLikeSecret, mask, scanAssignments, scanBase64, scanEntropy, scanTokens, type SecretHit } from './rules.js';
import { scanWithLibrary } from './library.js';

/** One line's verdict. Order: structural and vendor formats, key/value rules, the library, entropy, base64. */
export function scanLine(line: string): SecretHit | null {
  return scanTokens(line) ?? scanAssignments(line) ?? scanWithLibrary(line) ?? scanEntropy(line) ?? scanBase64(line, 0);
}

/** A fleet's files share most of their lines: each distinct line is scanned once (the verdict depends on the line alone). */
const lineHits = new CappedMemo<string, SecretHit | null>(200_000);
const cachedScan = (line: string): SecretHit | null => lineHits.get(line, () => scanLine(line));

const envNameLines = new CappedMemo<string, boolean>(200_000);
/** Whether a line is `name: <an env var name that says credential>` (cached per distinct line). */
function mayNameCredentialEnv(line: string): boolean {
  return envNameLines.get(line, () => {
    const m = ENV_NAME.exec(line);
    return !!m && isEnvCredentialName(m[3]);
  });
}

/** Env var entries spread over lines: `- name: DB_PASSWORD` with a literal `value:` in the same list item. */
function envEntryHit(lines: string[], i: number): { line: number; hit: SecretHit } | null {
  const m = ENV_NAME.exec(lines[i]);
  if (!m || !isEnvCredentialName(m[3])) return null;
  const indent = m[1].length + (m[2] ? 2 : 0);
  for (let j = Math.max(0, i - 4); j < Math.min(lines.length, i + 5); j++) {
    if (j === i) continue;
    const v = ENV_VALUE.exec(lines[j]);
    if (!v || v[1].length + (v[2] ? 2 : 0) !== indent) continue;
    // the same item: no other list item starts between the two lines
    const between = lines.slice(Math.min(i, j) + 1, Math.max(i, j) + 1);
    if (between.some((l, k) => Math.min(i, j) + 1 + k !== Math.max(i, j) && new RegExp(`^\\s{${Math.max(0, indent - 2)}}- `).test(l))) continue;
    if (j > i && v[2]) continue;
    if (!isPlaceholder(v[3])) return { line: j, hit: { column: lines[j].indexOf(v[3]), what: `a literal value of env var ${m[3]}`, rule: 'tracestack/env-credential', value: v[3] } };
  }
  return null;
}

/** The line (0-based) and hit for every credential found in a text; comment lines are skipped unless asked. */
export function scanText(text: string, comments: boolean): Array<{ line: number; hit: SecretHit }> {
  const out: Array<{ line: number; hit: SecretHit }> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    if (line.trimStart().startsWith('#')) {
      if (!comments) continue;
      line = line.replace(/#/, ' ');
    }
    const hit = cachedScan(line);
    if (hit) {
      out.push({ line: i, hit });
      continue;
    }
    if (line.includes('name:') && mayNameCredentialEnv(line)) {
      const env = envEntryHit(lines, i);
      if (env && !out.some((o) => o.line === env.line)) out.push(env);
    }
  }
  return out.sort((a, b) => a.line - b.line);
}

export const finding = (file: string, line: number, hit: SecretHit, where: string): Diagnostic => ({
  file,
  line: line + 1,
  column: hit.column + 1,
  path: '',
  code: 'secret',
  message: `refusing to ${where} what looks like ${hit.what} ("${mask(hit.value)}", rule ${hit.rule}); credentials belong in an existing Secret, referenced by name`,
  suggestion: 'Remove it and reference a Secret instead (existingSecret / extraEnvFrom / envFromSecret in the chart).',
  severity: 'error',
});

/** An input file (an environment file, _defaults.yaml, anything `pr` commits), whole: comments included. */
export function scanInputFile(file: string, text: string, where = 'accept'): Diagnostic[] {
  return scanText(text, true).map(({ line, hit }) => finding(file, line, hit, where));
}

/** What a (key, string value) pair in user data looks like, if it looks like a credential. */
export function credentialKind(key: string | undefined, value: string): string | undefined {
  const token = scanTokens(value);
  if (token) return `${token.what} (rule ${token.rule})`;
  if (key && isCredentialKey(key) && literalCredential(key, value) && !value.includes('\n')) return `a literal ${key} (rule tracestack/credential-key)`;
  for (const line of value.split('\n')) {
    const hit = scanAssignments(line) ?? scanWithLibrary(line) ?? scanBase64(line, 0);
    if (hit) return `${hit.what} (rule ${hit.rule})`;
  }
  if (looksLikeSecret(value)) return 'a secret (a long high-entropy token, rule tracestack/high-entropy)';
  return undefined;
}
