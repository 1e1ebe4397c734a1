import type { HelmUnit, Unit } from '../components/types.js';
import { layout } from './layout.js';
import { goGetterChart } from '../components/gateway-api/index.js';

/** One helmfile per environment: its releases in wave order, each with the needs its unit declares (and derived ones). */
export function helmfile(units: Unit[]) {
  const byId = new Map(units.map((u) => [u.id, u]));
  const releaseName = (u: Unit) => (u.kind === 'kustomize' ? u.id : u.release);
  const needs = (u: Unit) =>
    u.needs
      .map((id) => byId.get(id))
      .filter((d): d is Unit => d !== undefined)
      .map((d) => `${d.namespace}/${releaseName(d)}`);
  const helmUnits = units.filter((u): u is HelmUnit => u.kind === 'helm');
  const repos = [...new Map(helmUnits.map((u) => [u.chart.repo, u.chart.repoURL])).entries()].sort(([a], [b]) => a.localeCompare(b));
  // Wave order, then id; a unit moves after the units it needs (tempo-access after tempo3), which keeps every
  // order that already satisfies its needs unchanged.
  const sorted = [...units].sort((a, b) => a.wave - b.wave || a.id.localeCompare(b.id));
  const ordered: Unit[] = [];
  while (sorted.length) {
    const i = sorted.findIndex((u) => u.needs.every((n) => !byId.has(n) || ordered.some((o) => o.id === n)));
    ordered.push(...sorted.splice(i < 0 ? 0 : i, 1));
  }
  return {
    repositories: repos.map(([name, url]) => ({ name, url })),
    helmDefaults: { wait: true, timeout: 600, createNamespace: true },
    releases: ordered.map((u) => ({
      name: releaseName(u),
      namespace: u.namespace,
      ...(u.kind === 'helm'
        ? { chart: `${u.chart.repo}/${u.chart.chart}`, version: u.chart.version }
        : u.kind === 'remote'
          ? // pinned by the tag in the URL (a Helm chart version does not apply to a fetched folder)
            { chart: goGetterChart(u.source) }
          : { chart: layout.overlayFromHelmfile(u.id) }),
      labels: { component: u.id, tier: u.kind === 'helm' && !u.argocd ? 'bootstrap' : 'platform', ...u.labels },
      ...(needs(u).length ? { needs: needs(u) } : {}),
      ...(u.kind === 'helm' ? { values: [layout.valuesFromHelmfile(u.release)] } : {}),
      ...(u.namespaceMetadata ? { hooks: namespaceHooks(u.namespace, u.namespaceMetadata) } : {}),
    })),
  };
}

/** helmfile presync hooks that label/annotate an existing namespace (what Argo CD's managedNamespaceMetadata does). */
function namespaceHooks(namespace: string, meta: NonNullable<Unit['namespaceMetadata']>) {
  const kv = (m: Record<string, string> = {}) => Object.entries(m).map(([k, v]) => `${k}=${v}`);
  return (
    [
      ['label', kv(meta.labels)],
      ['annotate', kv(meta.annotations)],
    ] as const
  )
    .filter(([, pairs]) => pairs.length)
    .map(([verb, pairs]) => ({ events: ['presync'], showlogs: true, command: 'kubectl', args: [verb, '--overwrite', 'namespace', namespace, ...pairs] }));
}
