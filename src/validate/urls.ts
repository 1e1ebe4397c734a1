import type { Diagnostic } from '../diagnostics.js';
import type { LoadedEnvironment } from '../load/environments.js';
import type { Environment } from '../model.js';

/** The host of the repoURL `tracestack init` writes: a placeholder to replace with the real repository. */
export const PLACEHOLDER_REPO_HOST = 'git.example.com';

/** Endpoint paths users paste from a remote-write or push config; tracestack wants the base URL they hang off. */
const PROMETHEUS_ENDPOINTS = /\/(api\/v1\/(write|push|read|query|query_range|otlp(\/v1\/metrics)?)|api\/prom\/push)\/?$/;
const LOKI_ENDPOINTS = /\/(loki\/api\/v1\/(push|query|query_range|tail)|api\/prom\/push)\/?$/;

/** Git URLs Argo CD accepts: https://, http://, ssh://, git://, and the scp-like user@host:path. */
const GIT_URL = [/^https?:\/\/[^\s/@]+(@[^\s/]+)?\/\S+$/, /^ssh:\/\/([^\s@/]+@)?[^\s/]+\/\S+$/, /^git:\/\/[^\s/]+\/\S+$/, /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:(?!\/\/)\S+$/];

export function hostOf(url: string): string | undefined {
  const m = /^[a-z+]+:\/\/(?:[^@/\s]+@)?([^/:\s]+)/i.exec(url) ?? /^[^@\s]+@([^:\s]+):/.exec(url);
  return m?.[1].toLowerCase();
}

/**
 * URLs checked for what they must point at: Prometheus and Loki as base URLs (tracestack appends the API paths
 * itself, so a pasted write endpoint would render .../api/v1/write/api/v1/write), and the GitOps repository as
 * a git URL Argo CD can clone. Each problem says what to set instead. Runs on a schema-valid environment.
 */
export function checkUrls(loaded: LoadedEnvironment, env: Environment): Diagnostic[] {
  const out: Diagnostic[] = [];
  const s = env.spec;
  const at = (pointer: string, path: string, code: string, message: string, suggestion: string, severity: 'error' | 'warning' = 'error') =>
    out.push({ ...loaded.locate(pointer), path, code, message, suggestion, severity });

  const url = s.prometheus.url;
  if (url !== undefined && PROMETHEUS_ENDPOINTS.test(url)) {
    const base = url.replace(PROMETHEUS_ENDPOINTS, '');
    at(
      '/spec/prometheus/url',
      'spec.prometheus.url',
      'url',
      `an API endpoint (${url.slice(base.length)}), not the Prometheus base URL: Tempo's remote write appends /api/v1/write to it and Grafana's datasource queries it`,
      `Set: spec.prometheus.url: ${base}`,
    );
  }
  const loki = s.grafana.lokiUrl;
  if (loki !== undefined && LOKI_ENDPOINTS.test(loki)) {
    const base = loki.replace(LOKI_ENDPOINTS, '');
    at('/spec/grafana/lokiUrl', 'spec.grafana.lokiUrl', 'url', `an API endpoint (${loki.slice(base.length)}), not the Loki base URL that Grafana's datasource queries`, `Set: spec.grafana.lokiUrl: ${base}`);
  }
  const repo = s.argocd.repoURL;
  if (!GIT_URL.some((r) => r.test(repo))) {
    at(
      '/spec/argocd/repoURL',
      'spec.argocd.repoURL',
      'url',
      `"${repo}" is not a git URL Argo CD can clone`,
      'Set: spec.argocd.repoURL: https://<host>/<org>/<repo>.git  (or ssh://git@<host>/<org>/<repo>.git, or git@<host>:<org>/<repo>.git)',
    );
  } else if (hostOf(repo) === PLACEHOLDER_REPO_HOST) {
    at(
      '/spec/argocd/repoURL',
      'spec.argocd.repoURL',
      'placeholder-url',
      `still the placeholder host ${PLACEHOLDER_REPO_HOST} that init writes: Argo CD will not find this repository there`,
      'Set spec.argocd.repoURL (in environments/_defaults.yaml) to the URL Argo CD clones this repository from.',
      'warning',
    );
  }
  return out;
}
