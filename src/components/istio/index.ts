import { defineComponent, type ChartDescription, type K8sObject, type Unit } from '../types.js';
import { TPL } from './tpl.js';

/**
 * CRDs (istio-base) first, then (ambient) istio-cni, istiod, ztunnel, then the mesh Telemetry and the waypoints at
 * the edges' wave. The istio.io ambient Helm install order is base, istiod, cni, ztunnel; cni goes before istiod here
 * so that its node agent is ready before anything is scheduled into an ambient namespace, which istiod does not need.
 */
const WAVES = { crds: -5, cni: -4, operators: 0, ztunnel: 1, edges: 15 } as const;
export const ISTIO_CHART: ChartDescription = { key: 'istio', repo: 'istio', repoURL: 'https://istio-release.storage.googleapis.com/charts', chart: 'base', known: ['1.30.3'], family: ['istiod', 'cni', 'ztunnel'] };
import { chartFor } from '../charts.js';
import { PORTS, RELEASES, type Names } from '../names.js';
import { ACCESS_LOG_FORMAT } from '../access-log.js';
import { webhookCaBundleDiffs, withPassThrough } from '../values.js';
import { applicationNamespaces, WAYPOINT_NAME } from '../namespaces/facts.js';
import type { Environment } from '../../model.js';
import { gatewayApiNeeds } from '../gateway-api/facts.js';

/** Gateway API: the group of Gateway (waypoints, the edge) and the Telemetry targetRefs that attach to one. */
export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
/** Istio's GatewayClass for waypoints (istio/istio 1.30.3 pkg/config/constants WaypointGatewayClassName, created by istiod). */
export const WAYPOINT_GATEWAY_CLASS = 'istio-waypoint';
/** Name of the Telemetry that attaches the tracing provider to each waypoint. */
export const WAYPOINT_TELEMETRY = 'waypoint-tracing';

/**
 * A waypoint as `istioctl waypoint apply` writes it (istio/istio 1.30.3 istioctl/pkg/waypoint/waypoint.go: class
 * istio-waypoint, one HBONE listener "mesh" on 15008; no istio.io/waypoint-for label, so istiod's default, service).
 */
export function waypointObject(): K8sObject {
  return {
    apiVersion: `${GATEWAY_API_GROUP}/v1`,
    kind: 'Gateway',
    metadata: { name: WAYPOINT_NAME },
    spec: { gatewayClassName: WAYPOINT_GATEWAY_CLASS, listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] },
  };
}

/**
 * A Telemetry attached to one Gateway (a waypoint or the edge) by targetRefs. It names the provider only: istiod
 * merges tracing field by field over the mesh and namespace Telemetries (istio/istio 1.30.3 pilot/pkg/model/telemetry.go
 * Tracing: RandomSamplingPercentage only when set), so the mesh or the team sampling still applies.
 */
export function gatewayTelemetryObject(names: Names, name: string, gateway: string): K8sObject {
  return {
    apiVersion: 'telemetry.istio.io/v1',
    kind: 'Telemetry',
    metadata: { name },
    spec: {
      targetRefs: [{ group: GATEWAY_API_GROUP, kind: 'Gateway', name: gateway }],
      tracing: [{ providers: [{ name: names.istioProvider }] }],
    },
  };
}

/** Whether this environment runs Istio in ambient mode. */
export const isAmbient = (env: Environment) => env.spec.istio.enabled && env.spec.istio.mode === 'ambient';

/** A Telemetry without selector: mesh-wide in the root namespace, namespace-wide anywhere else. */
export function telemetryObject(names: Names, name: string, samplingPercentage: number): K8sObject {
  return {
    apiVersion: 'telemetry.istio.io/v1',
    kind: 'Telemetry',
    metadata: { name },
    spec: {
      tracing: [
        {
          providers: [{ name: names.istioProvider }],
          randomSamplingPercentage: samplingPercentage,
        },
      ],
    },
  };
}

/** Istio base (CRDs), istiod with the OpenTelemetry extension provider, and the mesh-wide Telemetry. */
export const istio = defineComponent({
  id: 'istio',
  specKey: 'istio',
  charts: [ISTIO_CHART],
  waves: WAVES,
  provides: ['istio-base', 'istiod', 'istio-telemetry', 'istio-cni', 'ztunnel', 'waypoints'],
  platformNamespace: (env) => (env.spec.istio.enabled ? { path: 'spec.istio.namespace', namespace: env.spec.istio.namespace } : undefined),
  passThrough: [
    { at: ['istio', 'baseValues'], chart: 'base' },
    {
      at: ['istio', 'istiodValues'],
      chart: 'istiod',
      tpl: TPL,
      // Istio's MeshConfig API (tracestack's cross-checks look at the tracing fields); `pilot.*`, the umbrella chart's
      // layout, which the istiod chart's profile template merges over its top-level values
      freeForm: [['meshConfig'], ['pilot']],
      // the cross-check validates a replaced provider list (the Telemetry's provider must stay in it)
      replaceable: [['meshConfig', 'extensionProviders']],
    },
    // ambient mode's node agents; neither chart renders a value through `tpl` (istio/istio 1.30.3
    // manifests/charts/istio-cni/templates and manifests/charts/ztunnel/templates have no tpl call)
    { at: ['istio', 'cniValues'], chart: 'cni' },
    { at: ['istio', 'ztunnelValues'], chart: 'ztunnel' },
    // not Helm values, but pasted from a cluster: scanned for credentials like them
    { at: ['istio', 'existingMeshConfig'], chart: 'istiod' },
  ],
  units(env, names) {
    const s = env.spec.istio;
    if (!s.enabled) return [];
    const ambient = s.mode === 'ambient';
    const units: Unit[] = [
      {
        kind: 'helm',
        id: 'istio-base',
        release: RELEASES.istioBase,
        namespace: s.namespace,
        chart: chartFor(env, ISTIO_CHART, 'base'),
        passThrough: 'spec.istio.baseValues',
        // The default-revision validating webhook points at istiod (default) or istiod-<revision>
        // (istio/istio 1.30.3 manifests/charts/base/templates/defaultrevision-validatingwebhookconfiguration.yaml).
        values: withPassThrough({ defaultRevision: s.revision ?? 'default' }, s.baseValues),
        wave: WAVES.crds,
        needs: [],
        syncOptions: ['ServerSideApply=true', 'RespectIgnoreDifferences=true'],
        // istiod patches caBundle and flips failurePolicy Ignore -> Fail on the validating webhook at runtime.
        ignoreDifferences: webhookCaBundleDiffs(true),
        argocd: true,
        crds: ISTIO_CRD_GROUPS,
      },
      {
        kind: 'helm',
        id: 'istiod',
        release: RELEASES.istiod,
        namespace: s.namespace,
        chart: chartFor(env, ISTIO_CHART, 'istiod'),
        passThrough: 'spec.istio.istiodValues',
        values: withPassThrough(
          {
            replicaCount: s.istiodReplicas,
            ...(s.revision ? { revision: s.revision } : {}),
            autoscaleMin: s.istiodReplicas,
            global: { istioNamespace: s.namespace },
            // The ambient profile's settings, written out (istio/istio 1.30.3
            // manifests/charts/istio-control/istio-discovery/files/profile-ambient.yaml): PILOT_ENABLE_AMBIENT (default
            // false, pilot/pkg/features/ambient.go) reaches istiod through `env` (templates/deployment.yaml ranges over
            // .Values.env), and ISTIO_META_ENABLE_HBONE lets remaining sidecars talk HBONE to ambient pods.
            ...(ambient ? { env: { PILOT_ENABLE_AMBIENT: 'true' } } : {}),
            meshConfig: {
              ...(ambient ? { defaultConfig: { proxyMetadata: { ISTIO_META_ENABLE_HBONE: 'true' } } } : {}),
              enableTracing: true,
              ...(s.accessLog ? { accessLogFile: '/dev/stdout', accessLogEncoding: 'TEXT', accessLogFormat: ACCESS_LOG_FORMAT } : {}),
              extensionProviders: [
                {
                  name: names.istioProvider,
                  opentelemetry: { service: names.collectorHost, port: PORTS.otlpGrpc },
                },
              ],
            },
          },
          s.istiodValues,
        ),
        wave: WAVES.operators,
        needs: ambient ? ['istio-base', 'istio-cni'] : ['istio-base'],
        syncOptions: ['RespectIgnoreDifferences=true'],
        ignoreDifferences: webhookCaBundleDiffs(true),
        argocd: true,
      },
      {
        kind: 'kustomize',
        id: 'istio-telemetry',
        namespace: s.namespace,
        targetNamespaces: [s.namespace],
        wave: WAVES.edges,
        needs: s.install ? ['istiod'] : [],
        syncOptions: ['SkipDryRunOnMissingResource=true'],
        // In the root namespace, a Telemetry named like this applies mesh-wide.
        objects: [telemetryObject(names, 'mesh-default', s.samplingPercentage)],
      },
    ];
    if (ambient) {
      units.splice(1, 0, {
        kind: 'helm',
        id: 'istio-cni',
        release: RELEASES.istioCni,
        namespace: s.namespace,
        chart: chartFor(env, ISTIO_CHART, 'cni'),
        passThrough: 'spec.istio.cniValues',
        // ambient.enabled is what the ambient profile sets for this chart; templates/configmap-cni.yaml renders it as
        // AMBIENT_ENABLED (istio/istio 1.30.3 manifests/charts/istio-cni). `revision` selects the istiod it talks to.
        values: withPassThrough({ ambient: { enabled: true }, ...(s.revision ? { revision: s.revision } : {}) }, s.cniValues),
        wave: WAVES.cni,
        needs: ['istio-base'],
        argocd: true,
      });
      units.push({
        kind: 'helm',
        id: 'ztunnel',
        release: RELEASES.ztunnel,
        namespace: s.namespace,
        chart: chartFor(env, ISTIO_CHART, 'ztunnel'),
        passThrough: 'spec.istio.ztunnelValues',
        // templates/daemonset.yaml: CA and XDS address istiod[-<revision>].<istioNamespace>.svc:15012
        // (istio/istio 1.30.3 manifests/charts/ztunnel).
        values: withPassThrough({ istioNamespace: s.namespace, ...(s.revision ? { revision: s.revision } : {}) }, s.ztunnelValues),
        wave: WAVES.ztunnel,
        needs: ['istiod'],
        argocd: true,
      });
    }
    const namespaces = applicationNamespaces(env);
    if (ambient && namespaces.length) {
      // One waypoint per application namespace, with its Telemetry beside it in that namespace. A Telemetry in a
      // shared waypoint's namespace does not reach the Services of other namespaces on 1.30.3 (istio/istio#61538,
      // fix #61539 unreleased; pilot/pkg/model/telemetry.go applicableTelemetries scans the targetRef Telemetries of
      // the Service's namespace only), and a per-namespace waypoint also keeps its spans in the namespace's tenant.
      units.push({
        kind: 'kustomize',
        id: 'waypoints',
        base: 'waypoints',
        namespace: namespaces[0],
        targetNamespaces: namespaces,
        wave: WAVES.edges,
        needs: [...(s.install ? ['istiod'] : []), ...gatewayApiNeeds(env)],
        syncOptions: ['SkipDryRunOnMissingResource=true'],
        objects: [waypointObject(), gatewayTelemetryObject(names, WAYPOINT_TELEMETRY, WAYPOINT_NAME)],
      });
    }
    // An existing Istio (install: false): only the mesh Telemetry and waypoints; the cluster has the CRDs and istiod.
    return s.install ? units : units.filter((u) => u.kind === 'kustomize');
  },
});

/** API groups of Istio's CRDs (the istio-base release installs them; an existing Istio has them). */
export const ISTIO_CRD_GROUPS = ['extensions.istio.io', 'networking.istio.io', 'security.istio.io', 'telemetry.istio.io'];
