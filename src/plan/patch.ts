import { isPlainObject } from '../load/merge.js';

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

/**
 * JSON merge patch (RFC 7386) that turns `from` into `to`: maps recurse, lists and scalars replace, removed keys
 * become null. This is how Kustomize applies a patch to a custom resource (no strategic-merge schema).
 * Returns undefined when nothing differs.
 */
export function mergePatch(from: unknown, to: unknown): unknown {
  if (deepEqual(from, to)) return undefined;
  if (!isPlainObject(from) || !isPlainObject(to)) return to;
  const patch: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(to)) {
    if (!(k in from)) patch[k] = v;
    else {
      const sub = mergePatch(from[k], v);
      if (sub !== undefined) patch[k] = sub;
    }
  }
  for (const k of Object.keys(from)) if (!(k in to)) patch[k] = null;
  return patch;
}

/** Apply a JSON merge patch (used by tests to prove overlays reproduce the intended objects). */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}
