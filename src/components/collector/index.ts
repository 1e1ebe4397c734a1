import type { Component, K8sObject } from '../types.js';
import { WAVES } from '../types.js';
import { PORTS } from '../../resolve/names.js';

/** The OpenTelemetryCollector (v1beta1, config as an object) that fans spans in from the mesh, nginx and apps, and out to Tempo. */
export const collector: Component = {
  id: 'collector',
  units(env, names) {
    const c = env.spec.collector;
    if (!c.enabled) return [];
    const exporters: Record<string, unknown> = {
      // `otlp_grpc` is the collector's current name for the OTLP/gRPC exporter (`otlp` is a deprecated alias).
      otlp_grpc: {
        endpoint: names.tempoDistributorOtlpGrpc,
        tls: { insecure: true }, // the Tempo distributor serves plaintext gRPC
        sending_queue: { enabled: true, queue_size: c.sendingQueue.queueSize, num_consumers: c.sendingQueue.numConsumers },
        retry_on_failure: { enabled: true, initial_interval: '5s', max_interval: '30s', max_elapsed_time: '300s' },
      },
    };
    if (c.debugExporter) exporters.debug = { verbosity: 'basic' };
    const object: K8sObject = {
      apiVersion: 'opentelemetry.io/v1beta1',
      kind: 'OpenTelemetryCollector',
      metadata: { name: c.name },
      spec: {
        mode: c.mode,
        ...(c.mode === 'daemonset' ? {} : { replicas: c.replicas }),
        resources: c.resources,
        config: {
          receivers: {
            otlp: {
              protocols: {
                // Written out: the collector's own default binds localhost only.
                grpc: { endpoint: `0.0.0.0:${PORTS.otlpGrpc}` },
                http: { endpoint: `0.0.0.0:${PORTS.otlpHttp}` },
              },
            },
          },
          processors: {
            memory_limiter: {
              check_interval: '1s',
              limit_percentage: c.memoryLimiter.limitPercentage,
              spike_limit_percentage: c.memoryLimiter.spikeLimitPercentage,
            },
            batch: { send_batch_size: c.batch.sendBatchSize, timeout: c.batch.timeout },
          },
          exporters,
          service: {
            pipelines: {
              traces: {
                receivers: ['otlp'],
                processors: ['memory_limiter', 'batch'], // memory_limiter must come first
                exporters: Object.keys(exporters),
              },
            },
          },
        },
      },
    };
    return [
      {
        kind: 'kustomize',
        id: 'collector',
        namespace: c.namespace,
        targetNamespaces: [c.namespace],
        objects: [object],
        wave: WAVES.collector,
        needs: ['otel-operator', 'tempo'].filter((n) => n !== 'tempo' || env.spec.tempo.enabled),
        syncOptions: ['SkipDryRunOnMissingResource=true', 'CreateNamespace=true'],
      },
    ];
  },
};
