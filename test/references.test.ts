import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { verifyTree } from '../src/verify/verify.js';
import { renderExamples, REPO, yamlDocs } from './helpers/repo.js';
import { schemastoreValidator } from './helpers/upstream.js';

const tree = renderExamples();
const UPSTREAM_CRDS = 'https://github.com/kubernetes-sigs/gateway-api.git';
const files = [...tree.keys()];

describe('every path the output names exists in the repository', () => {
  const apps = files.filter((f) => f.includes('/argocd/')).flatMap((f) => yamlDocs(tree.get(f)!).filter((d) => d.kind === 'Application').map((d) => [f, d] as const));

  it('one Application per component plus a root per environment', () => {
    expect(apps.filter(([f]) => f.startsWith('prod/')).map(([, a]) => a.metadata.name).sort()).toEqual(
      ['cert-manager', 'collector', 'grafana', 'ingress-nginx', 'instrumentation', 'istio-base', 'istio-telemetry', 'istiod', 'kafka', 'namespaces', 'otel-operator', 'root', 'strimzi', 'tempo-access', 'tempo3'].map((n) => `prod-${n}`),
    );
  });

  it.each(apps.map(([f, a]) => [a.metadata.name, f, a] as const))('%s: paths and $values files exist on disk', (_n, _f, app) => {
    const sources = app.spec.sources ?? [app.spec.source];
    for (const s of sources) {
      // an upstream repository applied as published (the Gateway API CRDs): pinned to a release tag, nothing on disk
      if (s.repoURL === UPSTREAM_CRDS) {
        expect(s).toEqual({ repoURL: UPSTREAM_CRDS, targetRevision: 'v1.6.1', path: 'config/crd/standard' });
        continue;
      }
      if (s.path) expect(existsSync(join(REPO, s.path, 'kustomization.yaml')), s.path).toBe(true);
      for (const v of s.helm?.valueFiles ?? []) {
        expect(v.startsWith('$values/')).toBe(true);
        expect(existsSync(join(REPO, v.slice('$values/'.length))), v).toBe(true);
      }
    }
    if (app.spec.sources) expect(sources.filter((s: any) => s.ref === 'values')).toHaveLength(1);
  });

  it('sync waves put CRDs and operators before their custom resources', () => {
    const wave = (name: string) => Number(apps.find(([, a]) => a.metadata.name === name)![1].metadata.annotations['argocd.argoproj.io/sync-wave']);
    expect(wave('prod-strimzi')).toBeLessThan(wave('prod-kafka'));
    expect(wave('prod-kafka')).toBeLessThan(wave('prod-tempo3'));
    for (const env of ['dev', 'prod']) {
      expect(wave(`${env}-cert-manager`)).toBeLessThan(wave(`${env}-otel-operator`));
      expect(wave(`${env}-istio-base`)).toBeLessThan(wave(`${env}-istiod`));
      expect(wave(`${env}-otel-operator`)).toBeLessThan(wave(`${env}-collector`));
      // prod is on Tempo 3 (release tempo3), after the Strimzi operator and its Kafka
      expect(wave(`${env}-${env === 'prod' ? 'tempo3' : 'tempo'}`)).toBeLessThan(wave(`${env}-collector`));
      expect(wave(`${env}-istiod`)).toBeLessThan(wave(`${env}-istio-telemetry`));
      expect(wave(`${env}-collector`)).toBeLessThan(wave(`${env}-instrumentation`));
    }
    const crApps = apps.filter(([, a]) => /-(collector|instrumentation|istio-telemetry)$/.test(a.metadata.name));
    for (const [, a] of crApps) expect(a.spec.syncPolicy.syncOptions).toContain('SkipDryRunOnMissingResource=true');
    for (const [, a] of apps.filter(([, a]) => /-(otel-operator|istio-base|cert-manager)$/.test(a.metadata.name))) {
      expect(a.spec.syncPolicy.syncOptions).toContain('ServerSideApply=true');
    }
    // every Application cascades its deletion, except the one of the shared Gateway API CRDs (deleting them would
    // delete every Gateway and HTTPRoute in the cluster)
    for (const [, a] of apps) expect(a.metadata.finalizers, a.metadata.name).toEqual(/-gateway-api-crds$/.test(a.metadata.name) ? undefined : ['resources-finalizer.argocd.argoproj.io']);
    expect(apps.filter(([, a]) => /-gateway-api-crds$/.test(a.metadata.name))).toHaveLength(1);
  });

  it('Istio apps ignore the webhook caBundle/failurePolicy churn and respect it when syncing', () => {
    const istiod = apps.find(([, a]) => a.metadata.name === 'prod-istiod')![1];
    expect(istiod.spec.ignoreDifferences).toContainEqual(
      expect.objectContaining({ kind: 'ValidatingWebhookConfiguration', jqPathExpressions: expect.arrayContaining(['.webhooks[]?.failurePolicy', '.webhooks[]?.clientConfig.caBundle']) }),
    );
    expect(istiod.spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
  });
});

describe('helmfile.yaml', () => {
  const validate = schemastoreValidator('helmfile');
  for (const env of ['dev', 'prod', 'staging', 'teams-demo', 'tempo3-demo', 'tempo3-migration', 'ambient-demo']) {
    const file = `${env}/helmfile.yaml`;
    const hf = parse(tree.get(file)!);
    it(`${env}: passes the SchemaStore helmfile schema`, () => {
      const ok = validate(hf);
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    });
    it(`${env}: every chart release is pinned, its values files exist, every needs names a release`, () => {
      const ids = new Set(hf.releases.map((r: any) => `${r.namespace}/${r.name}`));
      const repos = new Set(hf.repositories.map((r: any) => r.name));
      for (const r of hf.releases) {
        if (String(r.chart).startsWith('./')) expect(existsSync(join(REPO, 'out', env, r.chart, 'kustomization.yaml'))).toBe(true);
        // a go-getter URL (helmfile fetches it; chartify makes the folder a chart), pinned by its tag
        else if (String(r.chart).startsWith('git::')) expect(r.chart).toBe(`git::${UPSTREAM_CRDS}@config/crd/standard?ref=v1.6.1`);
        else {
          expect(r.version, r.name).toMatch(/^v?\d+\.\d+\.\d+$/);
          expect(repos.has(r.chart.split('/')[0])).toBe(true);
        }
        for (const v of r.values ?? []) expect(existsSync(join(REPO, 'out', env, v)), v).toBe(true);
        for (const n of r.needs ?? []) expect(ids.has(n), `${r.name} needs ${n}`).toBe(true);
      }
      // needs point backwards: a release only needs releases listed before it
      const seen = new Set<string>();
      for (const r of hf.releases) {
        for (const n of r.needs ?? []) expect(seen.has(n), `${r.name} needs ${n} listed later`).toBe(true);
        seen.add(`${r.namespace}/${r.name}`);
      }
    });
  }

  it('every kustomization.yaml passes the SchemaStore kustomization schema', () => {
    const v = schemastoreValidator('kustomization');
    for (const f of files.filter((f) => f.endsWith('kustomization.yaml'))) {
      const ok = v(parse(tree.get(f)!));
      expect(v.errors ?? [], f).toEqual([]);
      expect(ok).toBe(true);
    }
  });
});

describe('verifyTree (runs inside generate, before anything is written)', () => {
  it('accepts the example tree', () => {
    expect(verifyTree(tree, ['dev', 'prod'], 'out')).toEqual([]);
  });
  it('catches a missing values file, a dangling needs and a missing kustomize path', () => {
    const broken = new Map(tree);
    broken.delete('prod/values/tempo3.yaml');
    broken.delete('dev/kustomize/collector/kustomization.yaml');
    const hf = parse(broken.get('prod/helmfile.yaml')!);
    hf.releases[1].needs = ['nowhere/missing'];
    broken.set('prod/helmfile.yaml', JSON.stringify(hf));
    const messages = verifyTree(broken, ['dev', 'prod'], 'out').map((d) => `${d.file}: ${d.message}`);
    expect(messages.some((m) => m.includes('out/prod/argocd/apps/tempo3.yaml') && m.includes('values/tempo3.yaml'))).toBe(true);
    expect(messages.some((m) => m.includes('nowhere/missing'))).toBe(true);
    expect(messages.some((m) => m.includes('out/dev/argocd/apps/collector.yaml') && m.includes('kustomize/collector'))).toBe(true);
    expect(messages.some((m) => m.includes(posix.join('out', 'prod/helmfile.yaml')) && m.includes('values file values/tempo3.yaml'))).toBe(true);
  });
});
