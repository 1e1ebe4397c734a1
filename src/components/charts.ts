import type { Environment } from '../model.js';
import type { ChartDescription, ChartRef } from './types.js';

/**
 * The version of a component's chart this environment renders: spec.chartVersions.<key>, else the first known one.
 * Another version can be pinned in spec.chartVersions; one not in `known` is refused unless
 * --allow-unknown-chart-versions is given, because its values keys may have moved (validate/charts.ts).
 */
export function chartVersion(env: Environment, chart: ChartDescription): string {
  return (env.spec.chartVersions as Record<string, string | undefined> | undefined)?.[chart.key] ?? chart.known[0];
}

/** The chart reference for a release; `chartName` picks another chart of the family (istio base/istiod). */
export function chartFor(env: Environment, chart: ChartDescription, chartName: string = chart.chart): ChartRef {
  if (chartName !== chart.chart && !chart.family?.includes(chartName)) throw new Error(`internal: ${chartName} is not in the ${chart.key} chart family`);
  return { repo: chart.repo, repoURL: chart.repoURL, chart: chartName, version: chartVersion(env, chart) };
}
