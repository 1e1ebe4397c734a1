import { describe, expect, it } from 'vitest';
import { readInputs } from '../src/cli/io.js';
import type { Environment } from '../src/model.js';
import { validateInputs } from '../src/pipeline.js';
import { unitsFor } from '../src/resolve/units.js';
import { deriveNames } from '../src/components/names.js';
import { TRACE_ID_REGEX, sampleAccessLogLine } from '../src/components/access-log.js';
import { REPO } from './helpers/repo.js';

const all = validateInputs(readInputs(REPO)).environments;
const [dev, prod] = ['dev', 'prod'].map((n) => all.find((e) => e.metadata.name === n)!);
const withSpec = (env: Environment, patch: (s: any) => void): Environment => {
  const copy = structuredClone(env);
  patch(copy.spec);
  return copy;
};

/** prod as it was on Tempo 2 (environments/prod.yaml is on Tempo 3 since its migration). */
const prod2 = withSpec(prod, (s) => ((s.tempo.version = '2'), delete s.tempo.migration, (s.tempo.replicas.ingester = 3)));

describe('names derived in one place', () => {
  it('the collector Service follows the operator convention <name>-collector in its namespace', () => {
    const n = deriveNames(withSpec(prod, (s) => ((s.collector.name = 'edge'), (s.collector.namespace = 'telemetry'))));
    expect(n.collectorHost).toBe('edge-collector.telemetry.svc.cluster.local');
    expect(n.collectorOtlpHttpEndpoint).toBe('http://edge-collector.telemetry.svc.cluster.local:4318');
  });

  it('Tempo endpoints follow the namespace; the query frontend is on 3200', () => {
    const n = deriveNames(withSpec(prod2, (s) => (s.tempo.namespace = 'tracing')));
    expect(n.tempoDistributorOtlpGrpc).toBe('tempo-distributor.tracing.svc.cluster.local:4317');
    expect(deriveNames(withSpec(prod, (s) => (s.tempo.namespace = 'tracing'))).tempoDistributorOtlpGrpc).toBe('tempo3-distributor.tracing.svc.cluster.local:4317');
    expect(n.tempoQueryFrontendUrl).toBe('http://tempo-query-frontend.tracing.svc.cluster.local:3200');
  });

  it('the Prometheus write URL comes from the external URL or from the deployed release', () => {
    expect(deriveNames(prod).prometheusRemoteWriteUrl).toBe('http://prometheus-operated.monitoring.svc:9090/api/v1/write');
    expect(deriveNames(dev).prometheusRemoteWriteUrl).toBe('http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090/api/v1/write');
  });

  it('a renamed collector reaches every consumer: Istio, ingress-nginx, Instrumentation', () => {
    const env = withSpec(prod, (s) => ((s.collector.name = 'edge'), (s.collector.namespace = 'telemetry')));
    const units = unitsFor(env);
    const text = JSON.stringify(units);
    expect(text).not.toContain('otel-collector.otel');
    const istiod = units.find((u) => u.id === 'istiod') as any;
    expect(istiod.values.meshConfig.extensionProviders[0].opentelemetry.service).toBe('edge-collector.telemetry.svc.cluster.local');
    const nginx = units.find((u) => u.id === 'ingress-nginx') as any;
    expect(nginx.values.controller.config['otlp-collector-host']).toBe('edge-collector.telemetry.svc.cluster.local');
    const inst = units.find((u) => u.id === 'instrumentation') as any;
    expect(inst.objects[0].spec.exporter.endpoint).toBe('http://edge-collector.telemetry.svc.cluster.local:4318');
  });

  it('the Telemetry references the same provider name as meshConfig', () => {
    const env = withSpec(prod, (s) => (s.istio.providerName = 'mesh-otel'));
    const units = unitsFor(env) as any[];
    expect(units.find((u) => u.id === 'istiod').values.meshConfig.extensionProviders[0].name).toBe('mesh-otel');
    expect(units.find((u) => u.id === 'istio-telemetry').objects[0].spec.tracing[0].providers).toEqual([{ name: 'mesh-otel' }]);
  });

  it('Grafana datasource links use the pinned uids', () => {
    const grafana = (unitsFor(prod) as any[]).find((u) => u.id === 'grafana');
    const [tempo, loki, prom] = grafana.values.datasources['datasources.yaml'].datasources;
    expect([tempo.uid, loki.uid, prom.uid]).toEqual(['tempo', 'loki', 'prometheus']);
    expect(tempo.jsonData.serviceMap.datasourceUid).toBe(prom.uid);
    expect(tempo.jsonData.tracesToLogsV2.datasourceUid).toBe(loki.uid);
    expect(loki.jsonData.derivedFields[0].datasourceUid).toBe(tempo.uid);
    expect(tempo.url).toBe(deriveNames(prod).tempoQueryFrontendUrl);
  });

  it('the Loki regex captures the 32-hex trace id from an access-log line in the emitted format', () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const line = sampleAccessLogLine(`00-${traceId}-00f067aa0ba902b7-01`);
    expect(new RegExp(TRACE_ID_REGEX).exec(line)?.[1]).toBe(traceId);
    const istiod = (unitsFor(prod) as any[]).find((u) => u.id === 'istiod');
    expect(istiod.values.meshConfig.accessLogFormat).toContain('%REQ(TRACEPARENT)%');
  });

  it('Tempo retention in days becomes hours; fewer than three ingesters means replication factor 1', () => {
    const tempo = (unitsFor(prod2) as any[]).find((u) => u.id === 'tempo');
    expect(tempo.values.compactor.config.compaction.block_retention).toBe('336h');
    expect(tempo.values.ingester.config.replication_factor).toBe(3);
    const devTempo = (unitsFor(dev) as any[]).find((u) => u.id === 'tempo');
    expect(devTempo.values.ingester.config.replication_factor).toBe(1);
  });
});
