import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { kustomizeBuild } from './helpers/kustomize.js';
import { REPO, runCli, scratchRepo } from './helpers/repo.js';
import { validateObject } from './helpers/upstream.js';

const optIn = (dir: string, env: string) => {
  const file = join(dir, `environments/${env}.yaml`);
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^  argocd:\n/m, '  argocd:\n    applicationSet: true\n'));
};

/** What Argo CD does with one list element: fill {{.param}} in the template, then apply the templatePatch. */
function generateApplication(appSet: any, element: Record<string, string>): any {
  const fill = (v: unknown): unknown => {
    if (typeof v === 'string')
      return v.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_m, k) => {
        if (!(k in element)) throw new Error(`missingkey=error: ${k}`);
        return element[k];
      });
    if (Array.isArray(v)) return v.map(fill);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]));
    return v;
  };
  const app = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', ...(fill(appSet.spec.template) as object) } as any;
  app.metadata.namespace = appSet.metadata.namespace;
  const patch = /\{\{- if eq \.automated "true" \}\}\n([\s\S]*)\{\{- end \}\}/.exec(appSet.spec.templatePatch);
  expect(patch).not.toBeNull();
  if (element.automated === 'true') app.spec.syncPolicy = { ...parse(fill(patch![1]) as string).spec.syncPolicy, ...app.spec.syncPolicy };
  return app;
}

describe('fleet ApplicationSet (spec.argocd.applicationSet)', () => {
  const dir = scratchRepo();
  optIn(dir, 'dev');
  optIn(dir, 'prod');
  const r = runCli(dir, ['generate']);
  const file = join(dir, 'out/fleet/applicationset-argocd.yaml');

  it('renders one ApplicationSet with a list generator, goTemplate and missingkey=error, valid against the strict upstream schema', () => {
    expect(r.code, r.err).toBe(0);
    const appSet = parse(readFileSync(file, 'utf8'));
    expect(validateObject(appSet)).toEqual([]);
    expect(appSet.spec.goTemplate).toBe(true);
    expect(appSet.spec.goTemplateOptions).toEqual(['missingkey=error']);
    expect(appSet.spec.generators[0].list.elements.map((e: any) => e.env)).toEqual(['dev', 'prod']);
    expect(kustomizeBuild(join(dir, 'out/fleet')).map((o) => o.kind)).toEqual(['ApplicationSet']);
  });

  it('replaces the root apps of the environments that opted in, and only those', () => {
    expect(existsSync(join(dir, 'out/dev/argocd/root.yaml'))).toBe(false);
    expect(existsSync(join(dir, 'out/prod/argocd/root.yaml'))).toBe(false);
    expect(existsSync(join(dir, 'out/teams-demo/argocd/root.yaml'))).toBe(true);
  });

  it('each element generates exactly the root app the environment would otherwise have', () => {
    const appSet = parse(readFileSync(file, 'utf8'));
    for (const element of appSet.spec.generators[0].list.elements) {
      const committedRoot = parse(readFileSync(join(REPO, 'out', element.env, 'argocd/root.yaml'), 'utf8'));
      const generated = generateApplication(appSet, element);
      expect(generated).toEqual(committedRoot);
      expect(validateObject(generated)).toEqual([]);
    }
  });

  it('turning it off again prunes the fleet folder and brings the root apps back', () => {
    const again = scratchRepo();
    optIn(again, 'dev');
    expect(runCli(again, ['generate']).code).toBe(0);
    expect(existsSync(join(again, 'out/fleet/applicationset-argocd.yaml'))).toBe(true);
    writeFileSync(join(again, 'environments/dev.yaml'), readFileSync(join(REPO, 'environments/dev.yaml'), 'utf8'));
    expect(runCli(again, ['generate']).code).toBe(0);
    expect(existsSync(join(again, 'out/fleet'))).toBe(false);
    expect(readFileSync(join(again, 'out/dev/argocd/root.yaml'), 'utf8')).toBe(readFileSync(join(REPO, 'out/dev/argocd/root.yaml'), 'utf8'));
  });
});
