/** Deep merge for environment layering: maps merge key by key, lists and scalars replace. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepMerge<T>(base: T, over: unknown, replaceAt: ReadonlySet<string> = new Set(), at = ''): T {
  if (over === undefined) return clone(base);
  if (!isPlainObject(base) || !isPlainObject(over) || replaceAt.has(at)) return clone(over) as T;
  const out: Record<string, unknown> = clone(base) as Record<string, unknown>;
  for (const [k, v] of Object.entries(over)) {
    set(out, k, Object.prototype.hasOwnProperty.call(out, k) ? deepMerge(out[k], v, replaceAt, `${at}.${k}`) : clone(v));
  }
  return out as T;
}

export function clone<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clone) as T;
  if (isPlainObject(v)) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) set(o, k, clone(x));
    return o as T;
  }
  return v;
}

/** An own property, whatever the key: `o["__proto__"] = v` would set the prototype and drop the key. */
function set(o: Record<string, unknown>, k: string, v: unknown) {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}
