import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kustomizeBuild } from './helpers/kustomize.js';
import { REPO } from './helpers/repo.js';
import { route } from './helpers/routing.js';

/**
 * teams-demo (sidecar mode, Istio gateway edge), from the rendered objects alone: a team's trace keeps its root span.
 * The gateway's server span of a request to a team's service reaches that team's tenant (routed on Envoy's
 * upstream_cluster, which names the destination service), the sidecar spans of the team's pods reach it by their
 * namespace, and the gateway's own requests elsewhere stay with the platform (issue 9, finding 8).
 */
const ENV = join(REPO, 'out', 'teams-demo', 'kustomize');
const objects = () => readdirSync(ENV).flatMap((unit) => kustomizeBuild(join(ENV, unit)));

describe('teams-demo: edge spans reach the team of the request', () => {
  const all = objects();
  const collector = all.find((o) => o.kind === 'OpenTelemetryCollector');
  const gateway = all.find((o) => o.kind === 'Gateway');
  const teams = { shop: ['shop', 'shop-web'], payments: ['payments'] };

  it('the edge is an Istio Gateway API gateway with its tracing Telemetry attached by targetRefs', () => {
    expect(gateway).toMatchObject({ apiVersion: 'gateway.networking.k8s.io/v1', spec: { gatewayClassName: 'istio' } });
    const telemetry = all.find((o) => o.kind === 'Telemetry' && o.metadata.namespace === gateway.metadata.namespace && o.spec?.targetRefs);
    expect(telemetry.spec.targetRefs).toContainEqual(expect.objectContaining({ kind: 'Gateway', name: gateway.metadata.name }));
  });

  it("the gateway span and the sidecar spans of each team's requests reach that team's tenant", () => {
    const edge = gateway.metadata.namespace;
    for (const [team, namespaces] of Object.entries(teams)) {
      for (const ns of namespaces) {
        expect(route(collector, { resource: { 'k8s.namespace.name': edge }, attributes: { upstream_cluster: `outbound|8080||api.${ns}.svc.cluster.local` } })).toBe(team);
        expect(route(collector, { resource: { 'k8s.namespace.name': ns }, attributes: {} })).toBe(team);
      }
    }
    expect(route(collector, { resource: { 'k8s.namespace.name': edge }, attributes: { upstream_cluster: 'outbound|3000||grafana.grafana.svc.cluster.local' } })).toBe('platform');
    expect(route(collector, { resource: { 'k8s.namespace.name': edge }, attributes: { upstream_cluster: 'outbound|80||web.shop-webx.svc.cluster.local' } })).toBe('platform');
  });
});
