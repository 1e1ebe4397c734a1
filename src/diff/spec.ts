import { isPlainObject } from '../load/merge.js';
import type { Environment } from '../model.js';
import { isSensitiveSpecPath } from './redact.js';

export interface SpecChange {
  env: string;
  /** e.g. spec.istio.samplingPercentage; "" for a whole environment added or removed. */
  path: string;
  /** JSON text of the value; undefined when absent. "<redacted>" for values that must not be printed. */
  old?: string;
  new?: string;
}

/** Leaf values of a resolved document by dotted path; lists are leaves (they replace as a whole); empty maps have none. */
function leaves(v: unknown, path: string, out: Map<string, unknown>) {
  if (isPlainObject(v)) for (const [k, x] of Object.entries(v)) leaves(x, path ? `${path}.${k}` : k, out);
  else out.set(path, v);
  return out;
}

/**
 * Field by field, what changed between two resolved versions of the environments (schema defaults and the shared
 * defaults applied on both sides, so a change to _defaults.yaml shows up in every environment it reaches).
 */
export function specChanges(before: Environment[] | undefined, after: Environment[], only?: string[]): SpecChange[] {
  const out: SpecChange[] = [];
  const prev = new Map((before ?? []).map((e) => [e.metadata.name, e]));
  const next = new Map(after.map((e) => [e.metadata.name, e]));
  const names = [...new Set([...prev.keys(), ...next.keys()])].filter((n) => !only?.length || only.includes(n)).sort();
  for (const name of names) {
    const a = prev.get(name);
    const b = next.get(name);
    if (!a || !b) {
      if (before) out.push({ env: name, path: '', old: a ? 'present' : undefined, new: b ? 'present' : undefined });
      continue;
    }
    const la = leaves(a.spec, 'spec', new Map());
    const lb = leaves(b.spec, 'spec', new Map());
    for (const path of [...new Set([...la.keys(), ...lb.keys()])].sort()) {
      const x = la.has(path) ? JSON.stringify(la.get(path)) : undefined;
      const y = lb.has(path) ? JSON.stringify(lb.get(path)) : undefined;
      if (x === y) continue;
      const hide = isSensitiveSpecPath(path);
      out.push({ env: name, path, old: hide && x !== undefined ? '<redacted>' : x, new: hide && y !== undefined ? '<redacted>' : y });
    }
  }
  return out;
}
