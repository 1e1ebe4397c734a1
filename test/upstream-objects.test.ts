import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readInputs } from '../src/cli/io.js';
import { validateInputs } from '../src/pipeline.js';
import { unitsFor } from '../src/plan/plan.js';
import { kustomizeBuild } from './helpers/kustomize.js';
import { listFiles, REPO } from './helpers/repo.js';
import { validateObject } from './helpers/upstream.js';

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
    for (const o of objects) expect(validateObject(o), `${o.kind}/${o.metadata?.name}`).toEqual([]);
  });

  it('the root Applications pass too', () => {
    for (const env of ['dev', 'prod']) {
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

describe('overlays reproduce exactly the objects the planner intended', () => {
  const { environments } = validateInputs(readInputs(REPO));
  for (const env of environments) {
    for (const unit of unitsFor(env).filter((u) => u.kind === 'kustomize')) {
      it(`${env.metadata.name}/${unit.id}`, () => {
        if (unit.kind !== 'kustomize') return;
        const built = kustomizeBuild(join(OUT, env.metadata.name, 'kustomize', unit.id));
        const intended = unit.targetNamespaces.flatMap((ns) => unit.objects.map((o) => ({ ...o, metadata: { ...o.metadata, namespace: ns } })));
        const key = (o: any) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
        expect(built.map(key).sort()).toEqual(intended.map(key).sort());
        for (const o of intended) expect(built.find((b) => key(b) === key(o))).toEqual(o);
      });
    }
  }
});
