import { describe, expect, it } from 'vitest';
import { renderComponent } from '../helpers/component.js';
import type { KustomizeUnit } from '../../src/components/types.js';

const KEEP = 'Prune=false,Delete=false';

describe('component namespaces', () => {
  it("creates the shared Instrumentation's namespaces first, enrolled in the default-revision mesh, never pruned", () => {
    const r = renderComponent('namespaces', { instrumentation: { namespaces: ['shop', 'payments'] } });
    expect(r.errors).toEqual([]);
    const u = r.unit<KustomizeUnit>('namespaces');
    // targets sorted, homed in a namespace that always exists, at the earliest wave of all
    expect(u).toMatchObject({ namespace: 'default', targetNamespaces: ['payments', 'shop'], wave: -30, needs: [], base: 'namespace' });
    const [ns] = r.objects('namespaces');
    expect(ns.kind).toBe('Namespace');
    // istiod's "namespace." webhook selects istio-injection=enabled when no revision is set (istio 1.30.3 mutatingwebhook.yaml)
    expect(ns.metadata.labels).toEqual({ 'istio-injection': 'enabled' });
    expect(ns.metadata.annotations?.['argocd.argoproj.io/sync-options']).toBe(KEEP);
  });

  it('with an Istio revision the label is istio.io/rev=<revision> and istio-injection is absent', () => {
    const r = renderComponent('namespaces', { istio: { revision: 'canary' } });
    expect(r.errors).toEqual([]);
    expect(r.objects('namespaces')[0].metadata.labels).toEqual({ 'istio.io/rev': 'canary' });
  });

  it('without Istio the namespaces carry no mesh label', () => {
    const r = renderComponent('namespaces', { istio: { enabled: false } });
    expect(r.errors).toEqual([]);
    expect(r.objects('namespaces')[0].metadata.labels).toBeUndefined();
  });

  it('an existing namespace is not created: its labels go through namespaceMetadata in its own unit', () => {
    const r = renderComponent('namespaces', { existingNamespaces: ['shop'] });
    expect(r.errors).toEqual([]);
    expect(r.unit<KustomizeUnit>('namespaces').targetNamespaces).toEqual(['payments']);
    const shop = r.unit<KustomizeUnit>('namespace-shop');
    expect(shop).toMatchObject({ namespace: 'shop', targetNamespaces: ['shop'], base: 'empty', objects: [], wave: -30 });
    expect(shop.namespaceMetadata).toEqual({ labels: { 'istio-injection': 'enabled' } });
  });

  it('an existing namespace with nothing to manage (no mesh, no team) gets no unit at all', () => {
    const r = renderComponent('namespaces', { istio: { enabled: false }, existingNamespaces: ['shop'] });
    expect(r.errors).toEqual([]);
    expect(r.units.map((u) => u.id)).toEqual(['namespaces']);
  });

  it("a team's namespaces are a unit of their own whose Namespaces name the team's Instrumentation per language", () => {
    const r = renderComponent('namespaces', {}, 'teams-demo');
    expect(r.errors).toEqual([]);
    // the shared unit keeps only the Instrumentation's namespaces, not the teams'
    expect(r.unit<KustomizeUnit>('namespaces').targetNamespaces).toEqual(['apps']);
    expect(r.unit<KustomizeUnit>('team-shop-namespaces').targetNamespaces).toEqual(['shop', 'shop-web']);
    const name = r.env!.spec.instrumentation.name;
    expect(r.objects('team-shop-namespaces')[0].metadata.annotations).toEqual({
      'argocd.argoproj.io/sync-options': KEEP,
      'instrumentation.opentelemetry.io/inject-java': name,
      'instrumentation.opentelemetry.io/java-container-names': 'app',
      'instrumentation.opentelemetry.io/inject-nodejs': name,
      'instrumentation.opentelemetry.io/nodejs-container-names': 'web',
    });
    // one language: no container names needed
    expect(r.objects('team-payments-namespaces')[0].metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-options': KEEP, 'instrumentation.opentelemetry.io/inject-python': name });
  });

  it('no application namespaces, no unit', () => {
    const r = renderComponent('namespaces', { instrumentation: { enabled: false } });
    expect(r.errors).toEqual([]);
    expect(r.units).toEqual([]);
  });
});
