import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { kustomizeBuild } from './helpers/kustomize.js';
import { REPO } from './helpers/repo.js';
import { admits } from '../src/verify/behaviour/access.js';

/**
 * From the rendered teams-demo objects alone: who can reach Tempo. The NetworkPolicy is evaluated the way
 * Kubernetes does (a pod selected by an Ingress policy admits a connection only if some rule's peer and port
 * match), against the pods the rendered collector and Grafana release actually run: the operator's selector labels
 * for the OpenTelemetryCollector, the grafana chart's selector labels for the release named in helmfile.yaml. The
 * evaluator is the one rule tempo-reachable uses (src/verify/behaviour/access.ts).
 */
const OUT = join(REPO, 'out', 'teams-demo');
type Pod = { namespace: string; labels: Record<string, string> };

describe('teams-demo: only the collector and Grafana reach Tempo', () => {
  const policies = kustomizeBuild(join(OUT, 'kustomize/tempo-access'));
  const tempoNs = parse(readFileSync(join(OUT, 'argocd/apps/tempo.yaml'), 'utf8')).spec.destination.namespace;
  const [collector] = kustomizeBuild(join(OUT, 'kustomize/collector'));
  const helmfile = parse(readFileSync(join(OUT, 'helmfile.yaml'), 'utf8'));
  const grafana = helmfile.releases.find((r: any) => r.chart === 'grafana-community/grafana');
  // opentelemetry-operator v0.158.0 internal/manifests/manifestutils/labels.go SelectorLabels
  const collectorPod: Pod = {
    namespace: collector.metadata.namespace,
    labels: { 'app.kubernetes.io/managed-by': 'opentelemetry-operator', 'app.kubernetes.io/instance': `${collector.metadata.namespace}.${collector.metadata.name}`, 'app.kubernetes.io/part-of': 'opentelemetry', 'app.kubernetes.io/component': 'opentelemetry-collector' },
  };
  // grafana chart 12.11.1 templates/_helpers.tpl grafana.selectorLabels
  const grafanaPod: Pod = { namespace: grafana.namespace, labels: { 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': grafana.name } };
  const teamPods: Pod[] = ['shop', 'shop-web', 'payments'].map((ns) => ({ namespace: ns, labels: { app: 'web' } }));

  it('the policy covers every Tempo pod', () => {
    expect(policies).toHaveLength(1);
    expect(policies[0].metadata.namespace).toBe(tempoNs);
    expect(policies[0].spec.podSelector).toEqual({});
  });

  it('the collector may write (OTLP 4317/4318) and Grafana may read (3200), nothing more', () => {
    expect(admits(policies, tempoNs, collectorPod, 4317)).toBe(true);
    expect(admits(policies, tempoNs, collectorPod, 4318)).toBe(true);
    expect(admits(policies, tempoNs, collectorPod, 3200)).toBe(false);
    expect(admits(policies, tempoNs, grafanaPod, 3200)).toBe(true);
    expect(admits(policies, tempoNs, grafanaPod, 4317)).toBe(false);
  });

  it("no team pod reaches Tempo's write or read path, not even one that copies the collector's labels in its own namespace", () => {
    for (const pod of teamPods) for (const port of [3200, 4317, 4318, 9095]) expect(admits(policies, tempoNs, pod, port), `${pod.namespace}:${port}`).toBe(false);
    expect(admits(policies, tempoNs, { namespace: 'shop', labels: collectorPod.labels }, 4317)).toBe(false);
    expect(admits(policies, tempoNs, { namespace: 'shop', labels: grafanaPod.labels }, 3200)).toBe(false);
  });

  it("Tempo's own components still reach each other (gRPC, memberlist)", () => {
    expect(admits(policies, tempoNs, { namespace: tempoNs, labels: { 'app.kubernetes.io/component': 'querier' } }, 9095)).toBe(true);
    expect(admits(policies, tempoNs, { namespace: tempoNs, labels: {} }, 7946)).toBe(true);
  });
});
