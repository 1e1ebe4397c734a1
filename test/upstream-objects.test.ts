import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readInputs } from '../src/cli/io.js';
import { validateInputs } from '../src/pipeline.js';
import { unitsFor } from '../src/resolve/units.js';
import { kustomizeBuild } from './helpers/kustomize.js';
import { listFiles, REPO } from './helpers/repo.js';
import { checkObject, rbacShapeErrors, validateObject } from './helpers/upstream.js';

const OUT = join(REPO, 'out');
const kustomizations = listFiles(OUT)
  .filter((f) => f.endsWith('kustomization.yaml'))
  .map((f) => f.replace(/\/?kustomization\.yaml$/, ''));

describe('every kustomization under out/ builds with kubectl kustomize, and every object passes the strict upstream schema', () => {
  it('finds the bases and the overlays of both environments', () => {
    expect(kustomizations).toEqual(expect.arrayContaining(['base/collector', 'dev/kustomize/collector', 'prod/kustomize/instrumentation', 'prod/argocd/apps']));
  });

  it.each(kustomizations)('%s', (dir) => {
    const objects = kustomizeBuild(join(OUT, dir));
    expect(objects.length).toBeGreaterThan(0);
    for (const o of objects) expect(checkObject(o), `${o.kind}/${o.metadata?.name}`).toEqual([]);
  });

  it('RBAC objects (no upstream schema) are checked by shape, and only they are', () => {
    const rbac = kustomizeBuild(join(OUT, 'teams-demo/kustomize/collector-rbac'));
    expect(rbac.map((o) => o.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'ServiceAccount']);
    const role = rbac.find((o) => o.kind === 'ClusterRole');
    expect(validateObject(role)).toEqual(['no upstream schema for rbac.authorization.k8s.io/v1 ClusterRole']);
    expect(checkObject(role)).toEqual([]);
    expect(checkObject({ ...role, rule: role.rules }).join()).toContain('rule');
    const binding = structuredClone(rbac.find((o) => o.kind === 'ClusterRoleBinding'));
    delete binding.subjects[0].namespace;
    expect(rbacShapeErrors(binding).join()).toContain('namespace is required');
    // the ServiceAccount goes through the strict core schema
    const sa = rbac.find((o) => o.kind === 'ServiceAccount');
    expect(checkObject({ ...sa, automountServiceAccountTokn: true }).join()).toContain('automountServiceAccountTokn');
  });

  it('the root Applications pass too', () => {
    for (const env of ['dev', 'prod', 'staging', 'teams-demo', 'tempo3-demo', 'tempo3-migration']) {
      const root = parse(readFileSync(join(OUT, env, 'argocd/root.yaml'), 'utf8'));
      expect(validateObject(root)).toEqual([]);
    }
  });

  it('a misspelled field fails the strict schemas', () => {
    const [collector] = kustomizeBuild(join(OUT, 'prod/kustomize/collector'));
    expect(validateObject(collector)).toEqual([]);
    expect(validateObject({ ...collector, spec: { ...collector.spec, replica: 2 } }).join()).toContain('replica');
    const [telemetry] = kustomizeBuild(join(OUT, 'prod/kustomize/istio-telemetry'));
    const t = structuredClone(telemetry);
    t.spec.tracing[0].randomSamplingPercentag = 5;
    expect(validateObject(t).join()).toContain('randomSamplingPercentag');
    const apps = kustomizeBuild(join(OUT, 'prod/argocd/apps'));
    const app = structuredClone(apps.find((a) => a.kind === 'Application'));
    app.spec.syncPolicy.automated.selfheal = true;
    expect(validateObject(app).join()).toContain('selfheal');
  });
});

const CLUSTER_SCOPED = new Set(['ClusterRole', 'ClusterRoleBinding', 'Namespace']);

describe('overlays reproduce exactly the objects the planner intended', () => {
  const { environments } = validateInputs(readInputs(REPO));
  for (const env of environments) {
    for (const unit of unitsFor(env).filter((u) => u.kind === 'kustomize')) {
      it(`${env.metadata.name}/${unit.id}`, () => {
        if (unit.kind !== 'kustomize') return;
        const built = kustomizeBuild(join(OUT, env.metadata.name, 'kustomize', unit.id));
        // Kustomize's namespace transformer sets the namespace of namespaced objects, leaves cluster-scoped ones
        // alone, and names a Namespace object after the overlay's namespace.
        const placed = (o: any, ns: string) =>
          o.kind === 'Namespace' ? { ...o, metadata: { ...o.metadata, name: ns } } : CLUSTER_SCOPED.has(o.kind) ? o : { ...o, metadata: { ...o.metadata, namespace: ns } };
        const intended = unit.targetNamespaces.flatMap((ns) => unit.objects.map((o) => placed(o, ns)));
        const key = (o: any) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
        expect(built.map(key).sort()).toEqual(intended.map(key).sort());
        for (const o of intended) expect(built.find((b) => key(b) === key(o))).toEqual(o);
      });
    }
  }
});
