import type { K8sObject } from '../types.js';
import { PORTS, RELEASES } from '../names.js';
import type { Environment } from '../../model.js';
import { samplerName, tailSamplingOn } from '../collector/sampling.js';

/**
 * Who may reach Tempo: its own pods (gRPC and memberlist between components), the collector on the
 * distributor's OTLP ports and Grafana on the query frontend. Tempo trusts X-Scope-OrgID, so with teams this
 * policy is what keeps a team from reading another tenant. Pod labels: the operator's collector selector labels
 * (opentelemetry-operator v0.158.0 internal/manifests/manifestutils/labels.go SelectorLabels, component
 * "opentelemetry-collector", instance "<namespace>.<name>") and the grafana chart's selector labels
 * (grafana-community/helm-charts grafana-12.11.1 templates/_helpers.tpl grafana.selectorLabels).
 */
export function tempoAccessPolicy(env: Environment): K8sObject {
  const s = env.spec;
  const from = (namespace: string, labels: Record<string, string>) => ({
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
    podSelector: { matchLabels: labels },
  });
  const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: 'TCP', port }));
  // With tail sampling only tier 2 (<collector>-sampler) writes to Tempo; tier 1 sends to tier 2.
  const writer = tailSamplingOn(env) ? samplerName(env) : s.collector.name;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'tempo-access' },
    spec: {
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [
        { from: [{ podSelector: {} }] },
        ...(s.collector.enabled
          ? [{ from: [from(s.collector.namespace, { 'app.kubernetes.io/component': 'opentelemetry-collector', 'app.kubernetes.io/instance': `${s.collector.namespace}.${writer}` })], ports: tcp(PORTS.otlpGrpc, PORTS.otlpHttp) }]
          : []),
        ...(s.grafana.enabled ? [{ from: [from(s.grafana.namespace, { 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': RELEASES.grafana })], ports: tcp(PORTS.tempoHttp) }] : []),
      ],
    },
  };
}

