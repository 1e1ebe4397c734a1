import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { RemoteUnit, Unit } from '../src/components/types.js';
import { readInputs } from '../src/cli/io.js';
import { behaviourInputs } from '../src/pipeline.js';
import { verifyBehaviour, type BehaviourInput } from '../src/verify/behaviour/index.js';
import { verifyTree } from '../src/verify/verify.js';
import { editFile, readTree, REPO, renderExamples, runCli, scratchRepo } from './helpers/repo.js';

/**
 * spec.edge.gatewayApiCrds: install (the default): the Gateway API standard CRDs come from the upstream repository at
 * v1.6.1, before every Gateway, in Argo CD and in helmfile; existing renders none; a Gateway whose CRDs come later
 * is refused.
 */
const REPO_URL = 'https://github.com/kubernetes-sigs/gateway-api.git';
const inputs = (root = REPO) => behaviourInputs(readInputs(root)).inputs;
const input = (name: string, root = REPO) => inputs(root).find((e) => e.env.metadata.name === name)!;
const withUnits = (i: BehaviourInput, change: (units: Unit[]) => Unit[]): BehaviourInput => ({ ...i, units: change(structuredClone(i.units)) });
const read = (env: string, file: string) => parse(readFileSync(join(REPO, 'out', env, file), 'utf8'));

describe('Gateway API CRDs installed by tracestack', () => {
  it('ambient-demo (the default, install): an Application of the upstream repository at the tag, server-side applied, before every Gateway', () => {
    const app = read('ambient-demo', 'argocd/apps/gateway-api-crds.yaml');
    expect(app.spec.source).toEqual({ repoURL: REPO_URL, targetRevision: 'v1.6.1', path: 'config/crd/standard' });
    expect(app.spec.sources).toBeUndefined();
    expect(app.spec.syncPolicy.syncOptions).toContain('ServerSideApply=true');
    // deleting the Application must not delete the CRDs (and every HTTPRoute of every team with them)
    expect(app.metadata.finalizers).toBeUndefined();
    const wave = (unit: string) => Number(read('ambient-demo', `argocd/apps/${unit}.yaml`).metadata.annotations['argocd.argoproj.io/sync-wave']);
    expect(wave('gateway-api-crds')).toBe(-5);
    for (const gateways of ['edge-gateway', 'waypoints']) expect(wave('gateway-api-crds'), gateways).toBeLessThan(wave(gateways));
    // the AppProject lets the Application read the upstream repository, and the root app lists it
    expect(read('ambient-demo', 'argocd/apps/appproject.yaml').spec.sourceRepos).toContain(REPO_URL);
    expect(read('ambient-demo', 'argocd/apps/kustomization.yaml').resources).toContain('gateway-api-crds.yaml');
    // other Applications keep the finalizer
    expect(read('ambient-demo', 'argocd/apps/edge-gateway.yaml').metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
  });

  it('ambient-demo helmfile: the same path as a go-getter URL pinned by its tag, needed by the edge Gateway and the waypoints', () => {
    const hf = read('ambient-demo', 'helmfile.yaml');
    const release = hf.releases.find((r: any) => r.name === 'gateway-api-crds');
    expect(release).toMatchObject({ namespace: 'istio-system', chart: `git::${REPO_URL}@config/crd/standard?ref=v1.6.1` });
    expect(release.values).toBeUndefined();
    const index = (name: string) => hf.releases.findIndex((r: any) => r.name === name);
    for (const gateways of ['edge-gateway', 'waypoints']) {
      const r = hf.releases[index(gateways)];
      expect(r.needs, gateways).toContain('istio-system/gateway-api-crds');
      expect(index('gateway-api-crds')).toBeLessThan(index(gateways));
    }
    // no values file and no overlay: the manifests stay upstream
    expect(renderExamples().has('ambient-demo/values/gateway-api-crds.yaml')).toBe(false);
    expect([...renderExamples().keys()].filter((f) => f.includes('gateway-api-crds'))).toEqual(['ambient-demo/argocd/apps/gateway-api-crds.yaml']);
  });

  it('existing (teams-demo) and environments without a Gateway render no CRD unit', () => {
    for (const e of inputs()) {
      const has = e.units.some((u) => u.id === 'gateway-api-crds');
      expect(has, e.env.metadata.name).toBe(e.env.metadata.name === 'ambient-demo');
    }
  });

  it('install is the default wherever a Gateway renders: a sidecar mesh with the Istio gateway edge gets the CRDs too', () => {
    const dir = scratchRepo(false);
    editFile(join(dir, 'environments', 'teams-demo.yaml'), /\n\s*# The cluster has the Gateway API[^\n]*\n\s*gatewayApiCrds: existing/, '');
    const teams = input('teams-demo', dir);
    expect(teams.env.spec.istio.mode).toBe('sidecar');
    const crds = teams.units.find((u) => u.id === 'gateway-api-crds') as RemoteUnit;
    expect(crds).toMatchObject({ kind: 'remote', wave: -5, crds: ['gateway.networking.k8s.io'] });
    expect(teams.units.find((u) => u.id === 'edge-gateway')!.needs).toContain('gateway-api-crds');
    expect(verifyBehaviour(teams)).toEqual([]);
  });

  it('sync-crd: a Gateway whose CRDs come at its own wave or later is refused; without the CRD unit, at spec.edge', () => {
    const later = withUnits(input('ambient-demo'), (units) => {
      units.find((u) => u.id === 'gateway-api-crds')!.wave = 15;
      return units;
    });
    const messages = verifyBehaviour(later).filter((d) => d.code === 'sync-crd').map((d) => d.message);
    expect(messages).toContain('Argo CD: Gateway edge of Application ambient-demo-edge-gateway (wave 15) needs the CRD from ambient-demo-gateway-api-crds (wave 15), which is not earlier');
    expect(messages.some((m) => /Gateway waypoint of Application ambient-demo-waypoints/.test(m))).toBe(true);

    const unneeded = withUnits(input('ambient-demo'), (units) => {
      for (const u of units) u.needs = u.needs.filter((n) => n !== 'gateway-api-crds');
      return units;
    });
    expect(verifyBehaviour(unneeded).filter((d) => d.code === 'sync-crd').map((d) => d.message)).toContain(
      'helmfile: Gateway edge of release edge-gateway needs the CRD from release gateway-api-crds, which it does not need (directly or through another release)',
    );

    const missing = withUnits(input('ambient-demo'), (units) => units.filter((u) => u.id !== 'gateway-api-crds').map((u) => ({ ...u, needs: u.needs.filter((n) => n !== 'gateway-api-crds') })));
    expect(verifyBehaviour(missing).filter((d) => d.code === 'sync-crd').map((d) => d.message)).toContain('Gateway edge (gateway.networking.k8s.io) of edge-gateway: no release in this environment installs its CRD');
  });

  it('the tree check holds an upstream source to its path and tag, in the Application and in helmfile', () => {
    const tree = renderExamples();
    expect(verifyTree(tree, ['ambient-demo'], 'out')).toEqual([]);
    const tampered = new Map(tree);
    tampered.set('ambient-demo/argocd/apps/gateway-api-crds.yaml', tree.get('ambient-demo/argocd/apps/gateway-api-crds.yaml')!.replace('targetRevision: v1.6.1', 'targetRevision: main'));
    tampered.set('ambient-demo/helmfile.yaml', tree.get('ambient-demo/helmfile.yaml')!.replace('?ref=v1.6.1', '?ref=main'));
    expect(verifyTree(tampered, ['ambient-demo'], 'out').map((d) => d.message).sort()).toEqual([
      `internal error (please report): Application source ${REPO_URL} is not config/crd/standard at v1.6.1`,
      `internal error (please report): release gateway-api-crds: git::${REPO_URL}@config/crd/standard?ref=main is not a pinned upstream source`,
    ]);
  });

  it('switching an environment to install changes only the CRD Application, the AppProject, the app list and the helmfile', () => {
    const dir = scratchRepo();
    editFile(join(dir, 'environments', 'teams-demo.yaml'), 'gatewayApiCrds: existing', 'gatewayApiCrds: install');
    const before = readTree(join(dir, 'out'));
    expect(runCli(dir, ['generate']).code).toBe(0);
    const after = readTree(join(dir, 'out'));
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((f) => before.get(f) !== after.get(f)).sort();
    expect(changed).toEqual(['.tracestack/manifest.json', 'teams-demo/argocd/apps/appproject.yaml', 'teams-demo/argocd/apps/gateway-api-crds.yaml', 'teams-demo/argocd/apps/kustomization.yaml', 'teams-demo/helmfile.yaml']);
  });
});
