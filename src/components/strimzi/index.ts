import { defineComponent, type ChartDescription, type K8sObject } from '../types.js';
import { chartFor } from '../charts.js';
import { RELEASES } from '../names.js';
import type { Environment } from '../../model.js';

/**
 * Kafka for Tempo 3, managed by Strimzi: the operator release (strimzi/strimzi-kafka-operator 1.2.0,
 * helm-charts/helm3/strimzi-kafka-operator) and, after it, a KRaft Kafka cluster of one node pool, and the topic
 * Tempo writes to. Argo CD waits on the Kafka and KafkaTopic status with its built-in health checks
 * (argoproj/argo-cd resource_customizations/kafka.strimzi.io/Kafka/health.lua and KafkaTopic/health.lua), so the
 * Tempo release (a later wave) starts once the cluster is Ready.
 */
const WAVES = { operators: 0, kafka: 3 } as const;
export const STRIMZI_CHART: ChartDescription = { key: 'strimzi', repo: 'strimzi', repoURL: 'https://strimzi.io/charts/', chart: 'strimzi-kafka-operator', known: ['1.2.0'] };

/** Name of the Kafka cluster (the Kafka object; Strimzi names its Services after it). */
export const KAFKA_CLUSTER = 'tempo-kafka';
/** The plain internal listener (Strimzi packaging/examples/kafka: name plain, port 9092, type internal, tls false). */
export const KAFKA_PLAIN_PORT = 9092;

/** Strimzi renders the bootstrap Service <cluster>-kafka-bootstrap with a port per listener. */
export const kafkaBootstrap = (env: Environment) => `${KAFKA_CLUSTER}-kafka-bootstrap.${env.spec.tempo.kafka.strimzi.namespace}.svc.cluster.local:${KAFKA_PLAIN_PORT}`;

/** Whether this environment renders Strimzi (Tempo 3 with a managed Kafka). */
export const rendersStrimzi = (env: Environment) => env.spec.tempo.enabled && env.spec.tempo.version === '3' && env.spec.tempo.kafka.mode === 'strimzi';

/**
 * Rack awareness (spec.tempo.kafka.strimzi.rack): Kafka spec.kafka.rack {type: topology-label, topologyKey} sets each
 * broker's broker.rack from its node's label (strimzi 1.2.0 CRD kafkas.yaml spec.kafka.rack), so Kafka puts a
 * partition's replicas in different racks. The broker's init container reads its node, through a ClusterRoleBinding
 * the operator creates per cluster to the ClusterRole strimzi-kafka-broker (nodes: get) (strimzi-kafka-operator 1.2.0
 * cluster-operator/.../model/KafkaCluster.java generateClusterRoleBinding, when rack is a TopologyLabelRack); the
 * operator may grant that role only because the chart binds it to the operator itself
 * (helm-charts/helm3/strimzi-kafka-operator/templates/030-ClusterRoleBinding-strimzi-cluster-operator-kafka-broker-delegation.yaml,
 * rendered with the chart defaults rbac.create and createGlobalResources, which tracestack does not change). Strimzi only
 * adds a node affinity requiring the label (ModelUtils.affinityWithRackLabelSelector); the spread over the racks is
 * the node pool's topologySpreadConstraints (KafkaNodePool spec.template.pod), on the pod labels Strimzi sets
 * (operator-common Labels.java strimzi.io/cluster, strimzi.io/pool-name).
 */
export const KAFKA_POOL = 'combined';

/**
 * Sized by profile. dev: one node that is controller and broker, replication factor 1. prod: three such nodes,
 * replication factor 3 and min.insync.replicas 2, so producing (acks=all) survives the loss of one broker.
 */
export function kafkaObjects(env: Environment): K8sObject[] {
  const k = env.spec.tempo.kafka;
  const prod = k.strimzi.profile === 'prod';
  const nodes = prod ? 3 : 1;
  const rf = prod ? 3 : 1;
  const isr = prod ? 2 : 1;
  const rack = k.strimzi.rack;
  const labels = { 'strimzi.io/cluster': KAFKA_CLUSTER };
  return [
    {
      apiVersion: 'kafka.strimzi.io/v1',
      kind: 'KafkaNodePool',
      metadata: { name: KAFKA_POOL, labels },
      spec: {
        replicas: nodes,
        roles: ['controller', 'broker'],
        storage: { type: 'persistent-claim', size: k.strimzi.storageSize, deleteClaim: false },
        ...(rack ? { template: { pod: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: rack.topologyKey, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { 'strimzi.io/cluster': KAFKA_CLUSTER, 'strimzi.io/pool-name': KAFKA_POOL } } }] } } } : {}),
      },
    },
    {
      apiVersion: 'kafka.strimzi.io/v1',
      kind: 'Kafka',
      metadata: { name: KAFKA_CLUSTER },
      spec: {
        kafka: {
          listeners: [{ name: 'plain', port: KAFKA_PLAIN_PORT, type: 'internal', tls: false }],
          ...(rack ? { rack: { type: 'topology-label', topologyKey: rack.topologyKey } } : {}),
          config: {
            'offsets.topic.replication.factor': rf,
            'transaction.state.log.replication.factor': rf,
            'transaction.state.log.min.isr': isr,
            'default.replication.factor': rf,
            'min.insync.replicas': isr,
          },
        },
        // The topic operator reconciles the KafkaTopic below.
        entityOperator: { topicOperator: {} },
      },
    },
    {
      apiVersion: 'kafka.strimzi.io/v1',
      kind: 'KafkaTopic',
      metadata: { name: k.topic.toLowerCase().replace(/[^a-z0-9.-]/g, '-'), labels },
      spec: { topicName: k.topic, partitions: k.partitions, replicas: rf, config: { 'min.insync.replicas': isr } },
    },
  ];
}

export const strimzi = defineComponent({
  id: 'strimzi',
  charts: [STRIMZI_CHART],
  waves: WAVES,
  provides: ['strimzi', 'kafka'],
  platformNamespace: (env) => (rendersStrimzi(env) ? { path: 'spec.tempo.kafka.strimzi.namespace', namespace: env.spec.tempo.kafka.strimzi.namespace } : undefined),
  units(env) {
    if (!rendersStrimzi(env)) return [];
    const ns = env.spec.tempo.kafka.strimzi.namespace;
    return [
      {
        kind: 'helm',
        id: 'strimzi',
        release: RELEASES.strimzi,
        namespace: ns,
        chart: chartFor(env, STRIMZI_CHART),
        // The chart's defaults watch the release namespace only (values.yaml watchNamespaces: [], watchAnyNamespace: false): the Kafka objects live there.
        values: {},
        wave: WAVES.operators,
        needs: [],
        syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'],
        argocd: true,
        crds: ['kafka.strimzi.io'],
      },
      { kind: 'kustomize', id: 'kafka', namespace: ns, targetNamespaces: [ns], wave: WAVES.kafka, needs: ['strimzi'], objects: kafkaObjects(env) },
    ];
  },
});
