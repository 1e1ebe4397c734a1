import type { Diagnostic } from '../diagnostics.js';
import type { LoadedEnvironment } from '../load/environments.js';
import { isPlainObject } from '../load/merge.js';
import { pointerToPath } from './schema.js';
import { passThroughs } from '../components/derived.js';

/**
 * Values that a chart renders through Helm's `tpl`: a `{{` in them is executed as a template at install time
 * (it can read .Values, .Release, lookup objects in the cluster, or fail the install). Pass-through values at or
 * below these paths may not carry `{{`. Each component's description lists its chart's paths (components/<id>/tpl.ts,
 * read from the chart's templates at the pinned version); istio base calls no `tpl`, and istiod's sidecar injection
 * templates are Go templates run by istiod itself, on purpose, and are not listed.
 */
export const tplPaths = (): ReadonlyArray<{ chart: string; at: readonly string[]; paths: readonly string[] }> =>
  passThroughs().flatMap((p) => (p.tpl ? [{ chart: p.chart, at: p.at, paths: p.tpl.paths }] : []));

/** Whether a dotted values path is at or below one of the chart's tpl'd paths. */
const under = (path: string, prefixes: readonly string[]) => prefixes.some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`));

/**
 * `{{` in a pass-through value (or key) that the chart renders with `tpl`: refused at its place in the file.
 */
export function templateInjection(loaded: LoadedEnvironment): Diagnostic[] {
  const out: Diagnostic[] = [];
  const spec = loaded.document.spec;
  for (const { chart, at, paths } of tplPaths()) {
    const root = at.reduce<unknown>((o, k) => (isPlainObject(o) ? o[k] : undefined), spec);
    const walk = (value: unknown, pointer: string, path: string) => {
      if (typeof value === 'string') {
        if (value.includes('{{') && under(path, paths)) report(pointer, path, false);
      } else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${pointer}/${i}`, `${path}[${i}]`));
      else if (isPlainObject(value))
        for (const [k, v] of Object.entries(value)) {
          const childPath = path ? `${path}.${k}` : k;
          const child = `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
          if (k.includes('{{') && under(childPath, paths)) report(child, childPath, true);
          walk(v, child, childPath);
        }
    };
    const report = (pointer: string, path: string, key: boolean) =>
      out.push({
        ...loaded.locate(pointer, key),
        path: pointerToPath(pointer),
        code: 'template-injection',
        message: `the ${chart} chart renders ${path} with Helm's tpl, so the \`{{\` in this ${key ? 'key' : 'value'} would run as a template at install time`,
        suggestion: 'Write the value out literally (tracestack renders the release, namespace and service names for you); template syntax is not passed to values a chart runs through tpl.',
        severity: 'error',
      });
    walk(root, `/spec/${at.join('/')}`, '');
  }
  return out;
}
