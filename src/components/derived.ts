import type { Environment } from '../model.js';
import { components, registryVersion } from './index.js';
import type { ChartDescription, Component, PassThroughDescription } from './types.js';

/**
 * Every table about components, derived from their descriptions (components/index.ts). Nothing here is written
 * by hand: a registered component shows up in each of them.
 */
function derived<T>(compute: (list: readonly Component[]) => T): () => T {
  let at = -1;
  let value: T;
  return () => {
    if (at !== registryVersion()) {
      value = compute(components());
      at = registryVersion();
    }
    return value;
  };
}

/** Charts by spec.chartVersions key, with the component that renders them. */
export const charts = derived((list) => {
  const out = new Map<string, ChartDescription & { component: string }>();
  const urls = new Map<string, string>();
  for (const c of list) {
    for (const chart of c.charts ?? []) {
      if (out.has(chart.key)) throw new Error(`components ${out.get(chart.key)!.component} and ${c.id} both describe the chart key "${chart.key}"`);
      const url = urls.get(chart.repo);
      if (url && url !== chart.repoURL) throw new Error(`component ${c.id}: helm repository "${chart.repo}" is ${chart.repoURL} here but ${url} elsewhere`);
      urls.set(chart.repo, chart.repoURL);
      out.set(chart.key, { ...chart, component: c.id });
    }
  }
  return out;
});

/** Every chart name tracestack renders, with its default version (for `tracestack schemas`). */
export const pinnedCharts = derived(() => [...charts().values()].flatMap((c) => [c.chart, ...(c.family ?? [])].map((chart) => ({ chart, version: c.known[0] }))));

/** Kinds a team's AppProject may not deploy, sorted by group and kind. */
export const teamForbiddenKinds = derived((list) => {
  const all = new Map(list.flatMap((c) => c.teamForbiddenKinds ?? []).map((k) => [`${k.group}/${k.kind}`, k]));
  return [...all.values()].sort((a, b) => a.group.localeCompare(b.group) || a.kind.localeCompare(b.kind));
});

/** The free-form values users pass through, with their component. */
export const passThroughs = derived((list): Array<PassThroughDescription & { component: string }> => list.flatMap((c) => (c.passThrough ?? []).map((p) => ({ ...p, component: c.id }))));

/** The last spec segments under which pass-through values live (values, istiodValues, ...): redaction keys on them. */
export const passThroughKeys = derived(() => new Set(passThroughs().map((p) => p.at[p.at.length - 1])));

/** The platform namespaces of an environment (no team may own one), with the spec path that sets each. */
export function platformNamespaces(env: Environment): Array<{ path: string; namespace: string }> {
  return components().flatMap((c) => {
    const ns = c.platformNamespace?.(env);
    return ns ? [ns] : [];
  });
}

const pattern = (p: string) => new RegExp(`^${p.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[a-z0-9-]+')}$`);
const providers = derived((list) => list.flatMap((c) => c.provides.map((p) => ({ component: c, re: pattern(p) }))));

/** The component that may render a unit of this id, if any. */
export const providerOf = (unitId: string): Component | undefined => providers().find((p) => p.re.test(unitId))?.component;

/** The upstream Git sources components apply as published (remote units), by repository URL. */
export const remoteSources = derived((list) => new Map(list.flatMap((c) => c.remotes ?? []).map((r) => [r.repoURL, r] as const)));

/** Every unit id pattern components provide (for messages). */
export const providedUnits = derived((list) => list.flatMap((c) => c.provides));
