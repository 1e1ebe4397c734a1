import { describe, expect, it } from 'vitest';
import { renderComponent } from '../helpers/component.js';
import type { HelmUnit } from '../../src/components/types.js';

describe('component otel-operator', () => {
  it("takes its webhook certificate from cert-manager, never the chart's self-generated one", () => {
    // opentelemetry-helm-charts opentelemetry-operator 0.122.0 values.yaml admissionWebhooks.certManager / autoGenerateCert:
    // a generated cert changes on every helm template, a permanent OutOfSync under Argo CD.
    const r = renderComponent('otel-operator');
    expect(r.errors).toEqual([]);
    const u = r.unit<HelmUnit>('otel-operator');
    expect(u.values.admissionWebhooks).toEqual({ certManager: { enabled: true }, autoGenerateCert: { enabled: false } });
    expect(u.needs).toEqual(['cert-manager']);
    expect(u).toMatchObject({ namespace: 'opentelemetry-operator-system', crds: ['opentelemetry.io'] });
  });

  it('ignores the caBundle the CA injector writes into its webhooks and its CRD conversion webhook', () => {
    const u = renderComponent('otel-operator').unit<HelmUnit>('otel-operator');
    expect(u.syncOptions).toEqual(expect.arrayContaining(['ServerSideApply=true', 'RespectIgnoreDifferences=true']));
    expect(u.ignoreDifferences).toContainEqual({ group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition', jqPathExpressions: ['.spec.conversion.webhook.clientConfig.caBundle'] });
    expect(JSON.stringify(u.ignoreDifferences?.filter((d) => d.kind !== 'CustomResourceDefinition'))).toContain('caBundle');
  });

  it('runs collectors from the k8s distribution (k8sattributes and the routing connector are in it)', () => {
    const v = renderComponent('otel-operator').values('otel-operator');
    expect(v.manager.collectorImage.repository).toBe('ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s');
  });

  it('Go auto-instrumentation follows spec.otelOperator.goInstrumentation', () => {
    expect(renderComponent('otel-operator').values('otel-operator').manager.autoInstrumentation.go.enabled).toBe(false);
    expect(renderComponent('otel-operator', { otelOperator: { goInstrumentation: true } }).values('otel-operator').manager.autoInstrumentation.go.enabled).toBe(true);
  });

  it('without cert-manager in the environment there is no need on it; disabled, nothing', () => {
    const r = renderComponent('otel-operator', { certManager: { enabled: false } });
    expect(r.unit('otel-operator').needs).toEqual([]);
    expect(renderComponent('otel-operator', { otelOperator: { enabled: false }, collector: { enabled: false }, instrumentation: { enabled: false } }).units).toEqual([]);
  });
});
