import { PORTS } from '../../components/names.js';
import { get, helmUnit, obj, ptr, type BehaviourRule, type Finding } from './types.js';

type Obj = Record<string, unknown>;

/**
 * Tempo 3's write path holds together: Tempo is given the address of the Kafka that is rendered (Strimzi names the
 * bootstrap Service <cluster>-kafka-bootstrap: strimzi/strimzi-kafka-operator 1.2.0 api/.../KafkaResources.java
 * bootstrapServiceName) on a listener without TLS or authentication (Tempo 3.0 speaks plaintext with optional SASL
 * PLAIN: grafana/tempo v3.0.3 pkg/ingest/config.go), the topic it writes is the KafkaTopic, and there is one
 * block-builder and one live-store per partition (grafana-community/helm-charts tempo-distributed-3.3.0 values.yaml
 * ingest/blockBuilder/liveStore, UPGRADE.md).
 */
export const tempo3Kafka: BehaviourRule = {
  id: 'tempo3-kafka',
  prevents: 'a Tempo 3 whose distributors cannot reach the Kafka that is rendered, or whose block-builders or live-stores do not cover every partition (traces that are never stored or never queryable)',
  source: 'grafana-community/helm-charts tempo-distributed-3.3.0 values.yaml, templates/validate.yaml, UPGRADE.md; grafana/tempo v3.0.3 pkg/ingest/config.go; strimzi/strimzi-kafka-operator 1.2.0 api/src/main/java/io/strimzi/api/kafka/model/kafka/KafkaResources.java',
  check(ctx) {
    const t = helmUnit(ctx.units, 'tempo3');
    if (!t) return [];
    const where = ctx.written(ptr('spec', 'tempo', 'values')) ? ptr('spec', 'tempo', 'values') : ptr('spec', 'tempo', 'kafka');
    const v = t.values;
    const kafka = obj(get(v, 'ingest.kafka'));
    const address = String(kafka.address ?? '');
    const out: Finding[] = [];
    const partitions = Number(kafka.auto_create_topic_default_partitions);
    const bb = Number(get(v, 'blockBuilder.replicas'));
    const ls = Number(get(v, 'liveStore.replicas'));
    if (!address) out.push({ pointer: where, message: 'Tempo 3 is given no ingest.kafka.address: the chart refuses to render (templates/validate.yaml)', suggestion: 'Set spec.tempo.kafka.address, or mode: strimzi.' });
    const k = ctx.units.find((u) => u.kind === 'kustomize' && u.id === 'kafka');
    if (k && k.kind === 'kustomize') {
      const cluster = k.objects.find((o) => o.kind === 'Kafka');
      const topic = k.objects.find((o) => o.kind === 'KafkaTopic');
      const listeners = ((obj(obj(cluster?.spec).kafka).listeners as Obj[] | undefined) ?? []).filter((l) => l.tls === false && !l.authentication);
      const reachable = listeners.map((l) => `${cluster?.metadata.name}-kafka-bootstrap.${k.namespace}.svc.${ctx.names.clusterDomain}:${String(l.port)}`);
      if (!reachable.includes(address)) out.push({ pointer: where, message: `Tempo 3 writes to Kafka at "${address}", but the rendered Kafka answers without TLS and authentication only at ${reachable.join(', ') || 'no listener'}`, suggestion: 'This is a tracestack bug (please report), unless spec.tempo.values overrides ingest.kafka.address: remove that.' });
      const ts = obj(topic?.spec);
      if (String(ts.topicName) !== String(kafka.topic)) out.push({ pointer: where, message: `Tempo 3 writes topic "${String(kafka.topic)}" but the KafkaTopic is "${String(ts.topicName)}"`, suggestion: 'Set the topic in spec.tempo.kafka.topic only.' });
      if (Number(ts.partitions) !== partitions) out.push({ pointer: where, message: `the KafkaTopic has ${String(ts.partitions)} partitions, Tempo expects ${partitions}`, suggestion: 'Set the partitions in spec.tempo.kafka.partitions only.' });
    }
    if (!(bb === partitions && ls === partitions)) {
      out.push({ pointer: where, message: `${partitions} partitions but ${bb} block-builders and ${ls} live-stores: Tempo 3 needs one of each per partition, or partitions are never built into blocks or never queryable`, suggestion: 'Set spec.tempo.kafka.partitions and remove blockBuilder/liveStore replicas from spec.tempo.values.' });
    }
    return out;
  },
};

/**
 * The collectors write to exactly one Tempo release, at its distributor's OTLP gRPC port, and Grafana reads that
 * same release: during a migration the other release gets no traffic (grafana/tempo v3.0.3
 * docs/sources/tempo/set-up-for-tracing/setup-tempo/migrate-to-3.md "Switch traffic to Tempo 3.0"). Service names
 * follow the release's fullnameOverride (tempo-distributed templates/distributor/service-distributor.yaml).
 */
export const tempoWritePath: BehaviourRule = {
  id: 'tempo-write-path',
  prevents: "collectors that send to a Tempo release that is not rendered, to a port the distributor does not listen on, or split between 2.x and 3.x during a migration",
  source: 'grafana/tempo v3.0.3 docs/sources/tempo/set-up-for-tracing/setup-tempo/migrate-to-3.md; grafana-community/helm-charts tempo-distributed-2.26.2 and 3.3.0 templates/distributor/service-distributor.yaml, values.yaml traces.otlp',
  check(ctx) {
    const s = ctx.env.spec;
    if (!s.tempo.enabled) return [];
    const tempos = ['tempo', 'tempo3'].map((id) => helmUnit(ctx.units, id)).filter((u) => u !== undefined);
    const targets = new Map(tempos.filter((u) => get(u.values, 'traces.otlp.grpc.enabled') === true).map((u) => [`${String(u.values.fullnameOverride)}-distributor.${u.namespace}.svc.${ctx.names.clusterDomain}:${PORTS.otlpGrpc}`, u.id]));
    const endpoints = new Set<string>();
    for (const u of ctx.units) {
      if (u.kind !== 'kustomize') continue;
      for (const c of u.objects.filter((o) => o.kind === 'OpenTelemetryCollector')) {
        for (const e of Object.values(obj(obj(obj(c.spec).config).exporters))) {
          const ep = obj(e).endpoint;
          if (typeof ep === 'string' && /tempo/.test(ep)) endpoints.add(ep);
        }
      }
    }
    const out: Finding[] = [];
    const where = s.tempo.migration ? ptr('spec', 'tempo', 'migration') : ptr('spec', 'tempo');
    for (const ep of endpoints) if (!targets.has(ep)) out.push({ pointer: where, message: `the collector exports to ${ep}, which is no rendered Tempo distributor's OTLP gRPC port (${[...targets.keys()].join(', ') || 'none'})`, suggestion: 'This is a tracestack bug (please report).' });
    const receiving = new Set([...endpoints].map((ep) => targets.get(ep)).filter(Boolean));
    if (receiving.size > 1) out.push({ pointer: where, message: `the collectors write to ${[...receiving].join(' and ')} at once: during a migration exactly one Tempo release takes the traffic`, suggestion: 'This is a tracestack bug (please report).' });
    return out;
  },
};
