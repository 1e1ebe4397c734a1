/** Deep merge for environment layering: maps merge key by key, lists and scalars replace. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepMerge<T>(base: T, over: unknown, replaceAt: ReadonlySet<string> = new Set(), at = ''): T {
  if (over === undefined) return clone(base);
  if (!isPlainObject(base) || !isPlainObject(over) || replaceAt.has(at)) return clone(over) as T;
  const out: Record<string, unknown> = clone(base) as Record<string, unknown>;
  for (const [k, v] of Object.entries(over)) {
    out[k] = k in out ? deepMerge(out[k], v, replaceAt, `${at}.${k}`) : clone(v);
  }
  return out as T;
}

export function clone<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clone) as T;
  if (isPlainObject(v)) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = clone(x);
    return o as T;
  }
  return v;
}
