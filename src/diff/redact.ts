import { isMap, isScalar, parseAllDocuments } from 'yaml';
import { passThroughKeys } from '../components/derived.js';

export const REDACTED = '<redacted>';
export const REDACTED_CHANGED = '<redacted, changed>';

const SECRET_SECTIONS = ['data', 'stringData'];

/** Values of every Secret's data/stringData in a YAML text, by document index and key. */
function secretValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  parseAllDocuments(text).forEach((doc, i) => {
    const js = doc.toJS?.() as Record<string, any> | null;
    if (!js || js.kind !== 'Secret') return;
    for (const section of SECRET_SECTIONS) for (const [k, v] of Object.entries<unknown>(js[section] ?? {})) out.set(`${i}/${section}/${k}`, JSON.stringify(v));
  });
  return out;
}

/**
 * Replace the values of Secret objects (data, stringData) before anything is printed. A value that differs
 * between the two sides becomes `<redacted, changed>` on the new side, so a diff still shows that it changed and
 * never what it is. Texts without a Secret are returned unchanged (byte for byte).
 */
export function redactSecretPair(oldText: string, newText: string): [string, string] {
  const before = secretValues(oldText);
  const after = secretValues(newText);
  if (!before.size && !after.size) return [oldText, newText];
  return [redactText(oldText, () => REDACTED), redactText(newText, (key) => (before.get(key) === after.get(key) ? REDACTED : REDACTED_CHANGED))];
}

function redactText(text: string, replacement: (key: string) => string): string {
  if (!/\bkind:\s*Secret\b/.test(text)) return text;
  return parseAllDocuments(text)
    .map((doc, i) => {
      const root = doc.contents;
      if (!isMap(root) || (doc.toJS() as Record<string, unknown>)?.kind !== 'Secret') return doc.toString();
      for (const section of SECRET_SECTIONS) {
        const m = root.get(section, true);
        if (!isMap(m)) continue;
        for (const pair of m.items) {
          const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
          pair.value = doc.createNode(replacement(`${i}/${section}/${key}`));
        }
      }
      return doc.toString();
    })
    .join('---\n');
}

/** Pass-through Helm values are free-form and may hold a chart's credentials: such keys are never printed. */
const SENSITIVE_KEY = /(password|passwd|secret|token|apikey|api_key|accesskey|secretkey|privatekey|credentials?)$/i;

/** Whether a spec path's value must not be printed (a secret-looking key inside a pass-through values map). */
export function isSensitiveSpecPath(path: string): boolean {
  const parts = path.split('.');
  const keys = passThroughKeys();
  const inValues = parts.findIndex((p) => keys.has(p));
  return inValues >= 0 && parts.slice(inValues + 1).some((p) => SENSITIVE_KEY.test(p.replace(/[-_]/g, '')) || SENSITIVE_KEY.test(p));
}
