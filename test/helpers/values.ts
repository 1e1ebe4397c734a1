import { isPlainObject } from '../../src/load/merge.js';

/** Chart (as named in helmfile) -> folder under upstream/charts holding the pinned version's defaults. */
export const CHART_DIRS: Record<string, string> = {
  'argo/argo-cd': 'argo-cd',
  'jetstack/cert-manager': 'cert-manager',
  'istio/base': 'istio-base',
  'istio/istiod': 'istiod',
  'istio/cni': 'cni',
  'istio/ztunnel': 'ztunnel',
  'open-telemetry/opentelemetry-operator': 'opentelemetry-operator',
  'grafana-community/tempo-distributed': 'tempo-distributed-2.x',
  'prometheus-community/kube-prometheus-stack': 'kube-prometheus-stack',
  'ingress-nginx/ingress-nginx': 'ingress-nginx',
  'grafana-community/grafana': 'grafana',
  'strimzi/strimzi-kafka-operator': 'strimzi-kafka-operator',
};

/** The upstream folder of a release's chart: tempo-distributed 3.x (Tempo 3) has its own beside the 2.x one. */
export const chartDirOf = (r: { chart: string; version: unknown }) => (r.chart === 'grafana-community/tempo-distributed' && /^3\./.test(String(r.version)) ? 'tempo-distributed' : CHART_DIRS[r.chart]);

/**
 * Map keys the chart passes through verbatim although its defaults do not list their children, each with the
 * template or comment that shows it. Everything else must exist in the chart's values.yaml.
 */
export const FREE_FORM: Record<string, string[]> = {
  // config template: `s3: {{- toYaml .Values.storage.trace.s3 }}` (likewise gcs, azure)
  'tempo-distributed-2.x': ['storage.trace.s3', 'storage.trace.azure', 'storage.trace.gcs'],
  // the same template at 3.3.0
  'tempo-distributed': ['storage.trace.s3', 'storage.trace.azure', 'storage.trace.gcs'],
  // values.yaml: "Any values you put under `.configs.cm` are passed to argocd-cm ConfigMap."
  'argo-cd': ['configs.cm'],
  // values.yaml: "meshConfig defines runtime configuration ... See istio.mesh.v1alpha1 for all available options"
  istiod: ['meshConfig'],
};

/**
 * Paths in `values` that the chart's defaults do not have. Descends through the defaults; a default that is an
 * empty map, a list or null is free-form (charts render those with toYaml), as are the FREE_FORM paths.
 */
export function unknownValueKeys(values: unknown, defaults: unknown, freeForm: string[] = [], at = ''): string[] {
  if (!isPlainObject(values)) return [];
  if (freeForm.includes(at)) return [];
  if (defaults === null || Array.isArray(defaults) || (isPlainObject(defaults) && Object.keys(defaults).length === 0)) return [];
  if (!isPlainObject(defaults)) return [`${at} (the chart default is a ${typeof defaults}, not a map)`];
  const out: string[] = [];
  for (const [k, v] of Object.entries(values)) {
    const path = at ? `${at}.${k}` : k;
    if (freeForm.includes(path)) continue;
    if (!(k in defaults)) out.push(path);
    else out.push(...unknownValueKeys(v, defaults[k], freeForm, path));
  }
  return out;
}

/** Istio charts keep their defaults under _internal_defaults_do_not_set; users set the same keys at the top. */
export function effectiveDefaults(chartDir: string, raw: Record<string, unknown>): Record<string, unknown> {
  if (isPlainObject(raw._internal_defaults_do_not_set)) return raw._internal_defaults_do_not_set;
  return raw;
}
