import type { Environment } from '../model.js';
import { CHART_REPOS, type ChartRef } from './types.js';

/**
 * Every chart tracestack renders values for, with the versions those values were written and tested against
 * (the first is the default). Another version can be pinned in spec.chartVersions; one not listed here is
 * refused unless --allow-unknown-chart-versions is given, because its values keys may have moved.
 */
export const CHARTS = {
  'argo-cd': { repo: 'argo', chart: 'argo-cd', known: ['10.1.1'] },
  'cert-manager': { repo: 'jetstack', chart: 'cert-manager', known: ['v1.21.1'] },
  istio: { repo: 'istio', chart: 'base', known: ['1.30.3'] },
  'otel-operator': { repo: 'open-telemetry', chart: 'opentelemetry-operator', known: ['0.122.0'] },
  tempo: { repo: 'grafana-community', chart: 'tempo-distributed', known: ['2.26.2'] },
  'kube-prometheus-stack': { repo: 'prometheus-community', chart: 'kube-prometheus-stack', known: ['88.5.3'] },
  'ingress-nginx': { repo: 'ingress-nginx', chart: 'ingress-nginx', known: ['4.15.1'] },
  grafana: { repo: 'grafana-community', chart: 'grafana', known: ['12.11.1'] },
} as const satisfies Record<string, { repo: keyof typeof CHART_REPOS; chart: string; known: readonly string[] }>;

export type ChartKey = keyof typeof CHARTS;

export function chartVersion(env: Environment, key: ChartKey): string {
  return env.spec.chartVersions?.[key] ?? CHARTS[key].known[0];
}

/** The chart reference for a release; `chartName` overrides the chart within a family (istio base/istiod). */
export function chartFor(env: Environment, key: ChartKey, chartName: string = CHARTS[key].chart): ChartRef {
  const c = CHARTS[key];
  return { repo: c.repo, repoURL: CHART_REPOS[c.repo], chart: chartName, version: chartVersion(env, key) };
}
