import { defineComponent, type ChartDescription, type K8sObject, type Unit } from '../types.js';
import { TPL } from './tpl.js';

/** CRDs (istio-base) first, then istiod, then the mesh Telemetry at the edges' wave. */
const WAVES = { crds: -5, operators: 0, edges: 15 } as const;
export const ISTIO_CHART: ChartDescription = { key: 'istio', repo: 'istio', repoURL: 'https://istio-release.storage.googleapis.com/charts', chart: 'base', known: ['1.30.3'], family: ['istiod'] };
import { chartFor } from '../charts.js';
import { PORTS, RELEASES, type Names } from '../names.js';
import { ACCESS_LOG_FORMAT } from '../access-log.js';
import { webhookCaBundleDiffs, withPassThrough } from '../values.js';

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
  provides: ['istio-base', 'istiod', 'istio-telemetry'],
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
    // not Helm values, but pasted from a cluster: scanned for credentials like them
    { at: ['istio', 'existingMeshConfig'], chart: 'istiod' },
  ],
  units(env, names) {
    const s = env.spec.istio;
    if (!s.enabled) return [];
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
            meshConfig: {
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
        needs: ['istio-base'],
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
    // An existing Istio (install: false): only the mesh Telemetry; the cluster has the CRDs and istiod.
    return s.install ? units : units.filter((u) => u.kind === 'kustomize');
  },
});

/** API groups of Istio's CRDs (the istio-base release installs them; an existing Istio has them). */
export const ISTIO_CRD_GROUPS = ['extensions.istio.io', 'networking.istio.io', 'security.istio.io', 'telemetry.istio.io'];
