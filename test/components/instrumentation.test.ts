import { describe, expect, it } from 'vitest';
import { renderComponent } from '../helpers/component.js';
import type { KustomizeUnit } from '../../src/components/types.js';

describe('component instrumentation', () => {
  it('one Instrumentation in each listed namespace, after the operator and the collector, before the apps', () => {
    const r = renderComponent('instrumentation', { instrumentation: { namespaces: ['shop', 'payments', 'api'] } });
    expect(r.errors).toEqual([]);
    const u = r.unit<KustomizeUnit>('instrumentation');
    expect(u.targetNamespaces).toEqual(['api', 'payments', 'shop']);
    expect(u.needs).toEqual(expect.arrayContaining(['otel-operator', 'collector', 'namespaces']));
    // injection happens when a pod is created: every earlier wave has the operator and collector up
    expect(u.wave).toBeGreaterThan(renderComponent('collector').unit('collector').wave);
  });

  it('exports over OTLP/HTTP to the collector on 4318 with the configured propagators and sampler', () => {
    // http/protobuf on 4318 is the SDKs' default protocol (opentelemetry-operator v0.158.0 apis/v1alpha1 Exporter)
    const [i] = renderComponent('instrumentation', { instrumentation: { propagators: ['tracecontext', 'b3multi'], name: 'tracing' } }).objects('instrumentation');
    expect(i).toMatchObject({ apiVersion: 'opentelemetry.io/v1alpha1', kind: 'Instrumentation', metadata: { name: 'tracing' } });
    expect(i.spec.exporter).toEqual({ endpoint: 'http://otel-collector.otel.svc.cluster.local:4318' });
    expect(i.spec.propagators).toEqual(['tracecontext', 'b3multi']); // lists replace: no leftover baggage
    // the CRD types the argument as a string
    expect(i.spec.sampler).toEqual({ type: 'parentbased_traceidratio', argument: '0.05' });
  });

  it('the default propagators are W3C trace context and baggage (what Istio and ingress-nginx propagate)', () => {
    expect(renderComponent('instrumentation').objects('instrumentation')[0].spec.propagators).toEqual(['tracecontext', 'baggage']);
  });

  it('an existing namespace gets no need on a namespaces unit that does not create it', () => {
    const r = renderComponent('instrumentation', { existingNamespaces: ['shop', 'payments'] });
    expect(r.errors).toEqual([]);
    expect(r.unit('instrumentation').needs).toEqual(['otel-operator', 'collector']);
  });

  it('disabled or no namespaces: nothing', () => {
    expect(renderComponent('instrumentation', { instrumentation: { namespaces: [] } }).units).toEqual([]);
    expect(renderComponent('instrumentation', { instrumentation: { enabled: false } }).units).toEqual([]);
  });
});
