import { describe, expect, it } from 'vitest';
import { renderComponent } from '../helpers/component.js';
import type { HelmUnit } from '../../src/components/types.js';

const HEALTH_KEY = 'resource.customizations.health.argoproj.io_Application';

describe('component argocd', () => {
  it('bootstraps Argo CD as a helmfile-only release at the first wave, in spec.argocd.namespace, with its CRD group', () => {
    const r = renderComponent('argocd', { argocd: { namespace: 'gitops' } });
    expect(r.errors).toEqual([]);
    expect(r.units.map((u) => u.id)).toEqual(['argo-cd']);
    const u = r.unit<HelmUnit>('argo-cd');
    // Argo CD cannot deploy itself from an Application that does not exist yet: helmfile only.
    expect(u).toMatchObject({ kind: 'helm', namespace: 'gitops', wave: -20, needs: [], argocd: false, crds: ['argoproj.io'] });
    expect(u.chart).toMatchObject({ repoURL: 'https://argoproj.github.io/argo-helm', chart: 'argo-cd' });
  });

  it('restores the Application health check (removed from Argo CD in 1.8): Progressing until the child reports health', () => {
    // No Lua interpreter here; the script's contract, line by line: without a status the child is Progressing (a
    // default of Healthy would let the parent's sync waves run ahead), every access to obj.status is nil-guarded
    // (a fresh Application has none), and the child's own health status and message are passed up.
    const lua: string = renderComponent('argocd').values('argo-cd').configs.cm[HEALTH_KEY];
    const lines = lua.split('\n').map((l) => l.trim());
    expect(lines.slice(0, 3)).toEqual(['hs = {}', 'hs.status = "Progressing"', 'hs.message = ""']);
    const guard = lines.indexOf('if obj.status ~= nil then');
    const healthGuard = lines.indexOf('if obj.status.health ~= nil then');
    const copy = lines.indexOf('hs.status = obj.status.health.status');
    expect(guard).toBeGreaterThan(2);
    expect(healthGuard).toBeGreaterThan(guard);
    expect(copy).toBeGreaterThan(healthGuard);
    expect(lines).toContain('hs.message = obj.status.health.message');
    expect(lines.filter(Boolean).at(-1)).toBe('return hs');
  });

  it("the user's argocd-cm keys are merged beside the health check, not instead of it", () => {
    const r = renderComponent('argocd', { argocd: { install: { values: { configs: { cm: { 'timeout.reconciliation': '180s' } }, server: { replicas: 2 } } } } });
    expect(r.errors).toEqual([]);
    const v = r.values('argo-cd');
    expect(v.configs.cm['timeout.reconciliation']).toBe('180s');
    expect(v.configs.cm[HEALTH_KEY]).toContain('obj.status.health.status');
    expect(v.server).toEqual({ replicas: 2 });
  });

  it('an existing Argo CD (install.enabled: false) renders no release', () => {
    const r = renderComponent('argocd', { argocd: { install: { enabled: false } } });
    expect(r.errors).toEqual([]);
    expect(r.env?.spec.argocd.install.enabled).toBe(false);
    expect(r.units).toEqual([]);
  });
});
