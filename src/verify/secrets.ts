import { posix } from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import type { FileTree } from '../plan/plan.js';

/** Keys whose value is a credential when it is a literal (Secret references use other key names). */
const CREDENTIAL_KEYS = /^\s*-?\s*["']?(password|passwd|adminPassword|secret_key|secretKey|secret_access_key|access_key|accessKey|aws_access_key_id|aws_secret_access_key|storage_account_key|token|apiKey|api_key|client_secret|clientSecret)["']?\s*:\s*(.+?)\s*$/;
const AWS_KEY_ID = /\b(AKIA|ASIA)[0-9A-Z]{16}\b/;
const PEM = /-----BEGIN [A-Z0-9 ]*(PRIVATE KEY|CERTIFICATE)-----/;

function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** A long random-looking token: mixed case and digits, no spaces, not a URL, host name or path. */
export function looksLikeSecret(value: string): boolean {
  const v = value.replace(/^["']|["']$/g, '');
  if (v.length < 24 || /\s/.test(v) || v.includes('://') || v.includes('${')) return false;
  if (!/[a-z]/.test(v) || !/[A-Z]/.test(v) || !/[0-9]/.test(v)) return false;
  return entropy(v) >= 4.0;
}

const CREDENTIAL_KEY_NAMES = /^(password|passwd|adminPassword|secret_key|secretKey|secret_access_key|access_key|accessKey|aws_access_key_id|aws_secret_access_key|storage_account_key|token|apiKey|api_key|client_secret|clientSecret)$/;

/** What a (key, string value) pair in user data looks like, if it looks like a credential. */
export function credentialKind(key: string | undefined, value: string): string | undefined {
  if (AWS_KEY_ID.test(value)) return 'an AWS access key id';
  if (PEM.test(value)) return 'a PEM block';
  if (key && CREDENTIAL_KEY_NAMES.test(key) && value !== '' && !/^\$\{[A-Z_][A-Z0-9_]*\}$/.test(value)) return `a literal ${key}`;
  if (looksLikeSecret(value)) return 'a secret (a long high-entropy token)';
  return undefined;
}

/**
 * Refuse a rendered tree that looks like it holds a credential: AWS key ids, PEM blocks, literal values of
 * credential keys, long high-entropy tokens in value positions. tracestack never renders credentials itself;
 * this catches ones pasted into pass-through `values`.
 */
export function scanForSecrets(tree: FileTree, outPath: string): Diagnostic[] {
  const found: Diagnostic[] = [];
  for (const [file, text] of tree) {
    text.split('\n').forEach((line, i) => {
      let hit = lineHits.get(line);
      if (hit === undefined) {
        hit = scanLine(line);
        if (lineHits.size > 200_000) lineHits.clear();
        lineHits.set(line, hit);
      }
      if (hit)
        found.push({
          file: posix.join(outPath, file),
          line: i + 1,
          column: hit.column + 1,
          path: '',
          code: 'secret',
          message: `refusing to write what looks like ${hit.what}; credentials belong in an existing Secret, referenced by name`,
          suggestion: 'Remove it from the environment (pass-through values) and reference a Secret instead.',
          severity: 'error',
        });
    });
  }
  return found;
}

/** A fleet's files share most of their lines: each distinct line is scanned once (the verdict depends on the line alone). */
const lineHits = new Map<string, { column: number; what: string } | null>();

function scanLine(line: string): { column: number; what: string } | null {
  if (line.trimStart().startsWith('#')) return null;
  const aws = AWS_KEY_ID.exec(line);
  if (aws) return { column: aws.index, what: 'an AWS access key id' };
  const pem = PEM.exec(line);
  if (pem) return { column: pem.index, what: 'a PEM block' };
  const cred = CREDENTIAL_KEYS.exec(line);
  if (cred && cred[2] && !/^(""|''|null|~|\$\{[A-Z_][A-Z0-9_]*\})$/.test(cred[2])) return { column: line.indexOf(cred[1]), what: `a literal ${cred[1]}` };
  const value = /:\s+(["']?[^\s"']+["']?)\s*$/.exec(line) ?? /^\s*-\s+(["']?[^\s"']+["']?)\s*$/.exec(line);
  if (value && looksLikeSecret(value[1])) return { column: line.lastIndexOf(value[1]), what: 'a secret (a long high-entropy token)' };
  return null;
}
