import { describe, expect, it } from 'vitest';
import { renderComponent } from '../helpers/component.js';
import type { KustomizeUnit } from '../../src/components/types.js';

describe('component teams', () => {
  it("per team, one Instrumentation unit over the team's namespaces at the instrumentation wave", () => {
    const r = renderComponent('teams', {}, 'teams-demo');
    expect(r.errors).toEqual([]);
    expect(r.units.map((u) => u.id)).toEqual(['team-shop', 'team-shop-sampling', 'team-payments']);
    const shop = r.unit<KustomizeUnit>('team-shop');
    expect(shop).toMatchObject({ base: 'team', namespace: 'shop', targetNamespaces: ['shop', 'shop-web'] });
    expect(shop.needs).toEqual(expect.arrayContaining(['otel-operator', 'collector', 'team-shop-namespaces']));
    expect(shop.wave).toBe(renderComponent('instrumentation', {}, 'teams-demo').unit('instrumentation').wave);
    expect(r.objects('team-shop')[0]).toMatchObject({ kind: 'Instrumentation', metadata: { name: r.env!.spec.instrumentation.name } });
  });

  it("a team's samplingPercentage becomes its SDK ratio and a namespace Telemetry; a team without one keeps the defaults", () => {
    const r = renderComponent('teams', {}, 'teams-demo');
    expect(r.objects('team-shop')[0].spec.sampler.argument).toBe('0.2');
    expect(r.objects('team-payments')[0].spec.sampler).toEqual(renderComponent('instrumentation', {}, 'teams-demo').objects('instrumentation')[0].spec.sampler);
    const sampling = r.unit<KustomizeUnit>('team-shop-sampling');
    expect(sampling).toMatchObject({ base: 'istio-telemetry', targetNamespaces: ['shop', 'shop-web'], needs: expect.arrayContaining(['istiod']) });
    const [t] = r.objects('team-shop-sampling');
    // not mesh-default: a namespace-wide Telemetry under its own name, overriding the mesh one
    expect(t.metadata.name).toBe('tracestack-team-sampling');
    expect(t.spec.tracing).toEqual([{ providers: [{ name: 'otel-tracing' }], randomSamplingPercentage: 20 }]);
    expect(r.units.some((u) => u.id === 'team-payments-sampling')).toBe(false);
  });

  it('the ratio has no floating-point tail (33.3% is 0.333, not 0.33299999999999996)', () => {
    const r = renderComponent('teams', { teams: [{ name: 'shop', namespaces: ['shop'], languages: ['java'], grafanaOrgId: 1, samplingPercentage: 33.3 }] }, 'teams-demo');
    expect(r.errors).toEqual([]);
    expect(r.objects('team-shop')[0].spec.sampler.argument).toBe('0.333');
  });

  it('no teams: nothing (prod)', () => {
    const r = renderComponent('teams');
    expect(r.errors).toEqual([]);
    expect(r.units).toEqual([]);
  });
});
