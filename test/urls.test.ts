import { describe, expect, it } from 'vitest';
import { readInputs } from '../src/cli/io.js';
import { validateInputs } from '../src/pipeline.js';
import { REPO, runCli } from './helpers/repo.js';

/** The example inputs with text replaced in one file (in memory). */
function validateEdited(file: string, from: string, to: string) {
  const inputs = readInputs(REPO);
  const f = file === '_defaults.yaml' ? inputs.defaults! : inputs.environments.find((e) => e.path.endsWith(`/${file}`))!;
  if (!f.text.includes(from)) throw new Error(`${from} not in ${file}`);
  f.text = f.text.replace(from, to);
  return validateInputs(inputs).diagnostics;
}
const line = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('URLs are checked for what they must point at, with a fix-it line', () => {
  it('spec.prometheus.url with the remote-write path: an error at its place, the fix is the base URL', () => {
    for (const path of ['/api/v1/write', '/api/v1/push']) {
      const ds = validateEdited('prod.yaml', 'url: http://prometheus-operated.monitoring.svc:9090', `url: http://prometheus-operated.monitoring.svc:9090${path}`);
      const d = ds.find((x) => x.path === 'spec.prometheus.url')!;
      expect(d, JSON.stringify(ds)).toBeDefined();
      expect(d.severity).toBe('error');
      expect(d.file).toBe('environments/prod.yaml');
      expect(d.message).toContain(`an API endpoint (${path})`);
      expect(d.suggestion).toBe('Set: spec.prometheus.url: http://prometheus-operated.monitoring.svc:9090');
    }
  });

  it('spec.grafana.lokiUrl with the push path: an error, the fix is the base URL', () => {
    const ds = validateEdited('_defaults.yaml', 'lokiUrl: http://loki-gateway.loki.svc', 'lokiUrl: http://loki-gateway.loki.svc/loki/api/v1/push');
    const d = ds.filter((x) => x.path === 'spec.grafana.lokiUrl');
    // found in every environment that inherits it, reported once, at the defaults file
    expect(d).toHaveLength(1);
    expect(d[0].file).toBe('environments/_defaults.yaml');
    expect(d[0].suggestion).toBe('Set: spec.grafana.lokiUrl: http://loki-gateway.loki.svc');
  });

  it('spec.argocd.repoURL: https, ssh:// and scp-like git URLs pass; anything else is an error; the placeholder host is a warning', () => {
    for (const ok of ['https://github.com/acme/gitops.git', 'ssh://git@github.com/acme/gitops.git', 'git@github.com:acme/gitops.git', 'https://gitlab.acme.io/platform/sub/gitops']) {
      const ds = validateEdited('_defaults.yaml', 'repoURL: https://git.example.com/platform/tracing-gitops.git', `repoURL: ${ok}`);
      expect(ds.filter((d) => d.path === 'spec.argocd.repoURL'), ok).toEqual([]);
    }
    for (const bad of ['github.com/acme/gitops', 'ftp://host/x.git', 'https://github.com']) {
      const ds = validateEdited('_defaults.yaml', 'repoURL: https://git.example.com/platform/tracing-gitops.git', `repoURL: ${bad}`);
      const d = ds.filter((x) => x.path === 'spec.argocd.repoURL');
      expect(d.map((x) => x.severity), bad).toEqual(['error']);
      expect(d[0].suggestion).toContain('https://<host>/<org>/<repo>.git');
    }
    const ds = validateInputs(readInputs(REPO)).diagnostics;
    // (prod's legacy ingress-nginx is the other warning the examples keep on purpose)
    expect(ds.map((d) => `${d.severity} ${d.code} ${d.path}`)).toEqual(['warning placeholder-url spec.argocd.repoURL', 'warning deprecated-ingress-nginx spec.ingressNginx.enabled']);
    const text = readInputs(REPO).defaults!.text;
    expect(ds[0]).toMatchObject({ file: 'environments/_defaults.yaml', line: line(text, 'repoURL:') });
  });

  it('the committed examples keep the placeholder on purpose: generate --check only warns and exits 0', () => {
    const r = runCli(REPO, ['generate', '--check']);
    expect(r.code, r.err).toBe(0);
    expect(r.err.split('\n').filter((l) => /: (error|warning):/.test(l))).toEqual([
      expect.stringMatching(/_defaults\.yaml:\d+:\d+: warning: spec\.argocd\.repoURL: still the placeholder host git\.example\.com/),
      expect.stringMatching(/prod\.yaml:\d+:\d+: warning: spec\.ingressNginx\.enabled: ingress-nginx was retired in 2026-03/),
    ]);
  });
});
