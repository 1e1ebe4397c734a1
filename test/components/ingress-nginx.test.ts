import { describe, expect, it } from 'vitest';
import { renderComponent } from '../helpers/component.js';

describe('component ingress-nginx', () => {
  it('off by default: teams-demo does not enable it and renders nothing', () => {
    const r = renderComponent('ingress-nginx', {}, 'teams-demo');
    expect(r.errors).toEqual([]);
    expect(r.env?.spec.ingressNginx.enabled).toBe(false);
    expect(r.units).toEqual([]);
  });

  it('the OpenTelemetry module exports to the collector Service over OTLP/gRPC 4317, after the collector', () => {
    // ingress-nginx controller-v1.15 docs/user-guide/third-party-addons/opentelemetry.md: otlp-collector-host/-port (gRPC)
    const r = renderComponent('ingress-nginx');
    expect(r.errors).toEqual([]);
    const u = r.unit('ingress-nginx');
    expect(u).toMatchObject({ namespace: 'ingress-nginx', needs: ['collector'] });
    expect(u.wave).toBeGreaterThan(renderComponent('collector').unit('collector').wave);
    const config = r.values('ingress-nginx').controller.config;
    expect(config).toMatchObject({ 'enable-opentelemetry': 'true', 'otlp-collector-host': 'otel-collector.otel.svc.cluster.local', 'otlp-collector-port': '4317' });
    expect(r.values('ingress-nginx').controller.replicaCount).toBe(3);
  });

  it('every spec setting reaches its ConfigMap key, as a string (the ConfigMap takes strings only)', () => {
    const config = renderComponent('ingress-nginx', {
      ingressNginx: { serviceName: 'edge', sampler: 'AlwaysOff', samplerRatio: 0.25, parentBased: false, trustIncomingSpan: false, operationName: 'HTTP $uri', maxQueueSize: 100, scheduleDelayMillis: 250, maxExportBatchSize: 50 },
    }).values('ingress-nginx').controller.config;
    expect(config).toEqual({
      'enable-opentelemetry': 'true',
      'otlp-collector-host': 'otel-collector.otel.svc.cluster.local',
      'otlp-collector-port': '4317',
      'otel-service-name': 'edge',
      'otel-sampler': 'AlwaysOff',
      'otel-sampler-ratio': '0.25',
      'otel-sampler-parent-based': 'false',
      'opentelemetry-trust-incoming-span': 'false',
      'opentelemetry-operation-name': 'HTTP $uri',
      'otel-max-queuesize': '100',
      'otel-schedule-delay-millis': '250',
      'otel-max-export-batch-size': '50',
    });
  });

  it('a pass-through ConfigMap key merges beside the tracing keys', () => {
    const config = renderComponent('ingress-nginx', { ingressNginx: { values: { controller: { config: { 'use-forwarded-headers': 'true' } } } } }).values('ingress-nginx').controller.config;
    expect(config['use-forwarded-headers']).toBe('true');
    expect(config['enable-opentelemetry']).toBe('true');
  });
});
