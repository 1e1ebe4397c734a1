import { describe, expect, it } from 'vitest';
import { renderComponent } from '../helpers/component.js';
import type { HelmUnit } from '../../src/components/types.js';

describe('component cert-manager', () => {
  it('installs with its CRDs (off by default in the chart) and keeps them on removal, before the operator it issues for', () => {
    const r = renderComponent('cert-manager', { certManager: { namespace: 'pki' } });
    expect(r.errors).toEqual([]);
    const u = r.unit<HelmUnit>('cert-manager');
    expect(u).toMatchObject({ namespace: 'pki', needs: [], argocd: true, crds: ['cert-manager.io', 'acme.cert-manager.io'] });
    expect(u.values.crds).toEqual({ enabled: true, keep: true });
    expect(u.syncOptions).toContain('ServerSideApply=true');
    // the operator's webhook Certificate is a cert-manager resource: cert-manager syncs strictly earlier
    expect(u.wave).toBeLessThan(renderComponent('otel-operator').unit('otel-operator').wave);
  });

  it("ignores the caBundle cert-manager's CA injector writes into webhook configurations", () => {
    const u = renderComponent('cert-manager').unit<HelmUnit>('cert-manager');
    expect(JSON.stringify(u.ignoreDifferences)).toContain('caBundle');
  });

  it('pass-through values merge over the rendered ones', () => {
    const r = renderComponent('cert-manager', { certManager: { values: { replicaCount: 2, crds: { keep: false } } } });
    const v = r.values('cert-manager');
    expect(v.replicaCount).toBe(2);
    expect(v.crds).toEqual({ enabled: true, keep: false });
  });

  it('disabled: no release', () => {
    const r = renderComponent('cert-manager', { certManager: { enabled: false } });
    expect(r.units).toEqual([]);
  });
});
