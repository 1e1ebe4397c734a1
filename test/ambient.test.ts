import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './helpers/repo.js';
import { kustomizeBuild } from './helpers/kustomize.js';
import { route } from './helpers/routing.js';
import { readdirSync } from 'node:fs';

/**
 * The ambient example, from the rendered objects alone (kubectl kustomize of every Application's overlay): every
 * application namespace is enrolled in ambient mode and has a waypoint with a Telemetry attached to it, and the
 * spans of a waypoint or of the edge gateway reach the tenant of the team whose namespace they forwarded to.
 */
const ENV = join(REPO, 'out', 'ambient-demo', 'kustomize');
const objects = () => readdirSync(ENV).flatMap((unit) => kustomizeBuild(join(ENV, unit)));

describe('ambient-demo: waypoints, enrolment and tenancy from the rendered objects', () => {
  const all = objects();
  const teams = { shop: ['shop', 'shop-web'], payments: ['payments'] };
  const collector = all.find((o) => o.kind === 'OpenTelemetryCollector');

  it('every application namespace is enrolled in ambient mode (never also for sidecars) and uses its own waypoint', () => {
    for (const ns of Object.values(teams).flat()) {
      const n = all.find((o) => o.kind === 'Namespace' && o.metadata.name === ns);
      expect(n?.metadata.labels, ns).toEqual({ 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint' });
      const gw = all.find((o) => o.kind === 'Gateway' && o.metadata.namespace === ns && o.metadata.name === 'waypoint');
      expect(gw?.spec.gatewayClassName, ns).toBe('istio-waypoint');
      expect(gw?.spec.listeners).toEqual([{ name: 'mesh', port: 15008, protocol: 'HBONE' }]);
      const tel = all.filter((o) => o.kind === 'Telemetry' && o.metadata.namespace === ns && o.spec.targetRefs);
      expect(tel.map((t) => t.spec.targetRefs), ns).toEqual([[{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'waypoint' }]]);
      expect(tel[0].spec.tracing[0].providers).toEqual([{ name: 'otel-tracing' }]);
    }
  });

  it('the edge Gateway (class istio) has a Telemetry attached by targetRefs in its namespace', () => {
    const gw = all.find((o) => o.kind === 'Gateway' && o.spec.gatewayClassName === 'istio');
    expect(gw.metadata).toMatchObject({ name: 'edge', namespace: 'istio-ingress' });
    const tel = all.find((o) => o.kind === 'Telemetry' && o.metadata.namespace === 'istio-ingress');
    expect(tel.spec.targetRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge' }]);
  });

  it("waypoint and gateway spans of each team's requests reach that team's tenant; others go to the platform", () => {
    for (const [team, namespaces] of Object.entries(teams)) {
      for (const ns of namespaces) {
        // a waypoint span: sent by the waypoint pod of the namespace, tagged with the destination namespace
        expect(route(collector, { resource: { 'k8s.namespace.name': ns }, attributes: { 'istio.destination_namespace': ns } })).toBe(team);
        // a gateway span: sent from the edge's namespace (platform), its upstream cluster names the destination service
        expect(route(collector, { resource: { 'k8s.namespace.name': 'istio-ingress' }, attributes: { upstream_cluster: `outbound|8080||web.${ns}.svc.cluster.local` } })).toBe(team);
        // a waypoint elsewhere forwarding to this namespace
        expect(route(collector, { resource: { 'k8s.namespace.name': 'istio-system' }, attributes: { 'istio.destination_namespace': ns } })).toBe(team);
      }
    }
    // a prefix of a team namespace is not that namespace; the gateway's own traffic to other services stays platform
    expect(route(collector, { resource: { 'k8s.namespace.name': 'istio-ingress' }, attributes: { upstream_cluster: 'outbound|80||web.shop-webx.svc.cluster.local' } })).toBe('platform');
    expect(route(collector, { resource: { 'k8s.namespace.name': 'istio-ingress' }, attributes: { upstream_cluster: 'outbound|80||grafana.grafana.svc.cluster.local' } })).toBe('platform');
  });
});
