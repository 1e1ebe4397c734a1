import { defineComponent, type RemoteSource, type Unit } from '../types.js';
import type { Environment } from '../../model.js';
import { edgeKind } from '../istio-gateway/facts.js';
import { GATEWAY_API_GROUP } from '../istio/index.js';
import { GATEWAY_API_CRDS } from './facts.js';

export { GATEWAY_API_CRDS };


/**
 * Before everything: istio-base's CRD wave. istiod does not need them to start: it waits for the Gateway CRD and
 * starts its Gateway API controllers when it appears (istio/istio 1.30.3 pilot/pkg/bootstrap/configcontroller.go:
 * gateway.NewController(..., CrdWatcher().WaitForCRD, ...) and the deployment controller behind
 * WaitForCRD(gvr.KubernetesGateway); pkg/kube/kclient/crdwatcher.go WaitForCRD/KnownOrCallback). Only the Gateways
 * (waypoints, the edge) must come after them.
 */
const WAVES = { crds: -5 } as const;

/**
 * The Gateway API standard channel at the release tag (kubernetes-sigs/gateway-api v1.6.1). config/crd/standard has
 * no kustomization.yaml: it is a folder of manifests (the CRDs and the safe-upgrades ValidatingAdmissionPolicy),
 * exactly the files hack/build-install-yaml.sh concatenates into the release's standard-install.yaml, so Argo CD
 * reads it as a directory source and helmfile's chartify as a folder of manifests.
 */
export const GATEWAY_API_SOURCE: RemoteSource = {
  repoURL: 'https://github.com/kubernetes-sigs/gateway-api.git',
  targetRevision: 'v1.6.1',
  path: 'config/crd/standard',
};

/**
 * Whether this environment renders Gateway API objects: the Istio gateway edge, or ambient mode (its waypoints are
 * Gateways of class istio-waypoint). Mirrors the istio and istio-gateway components' own conditions.
 */
export function rendersGateways(env: Environment): boolean {
  const istio = env.spec.istio;
  return istio.enabled && (istio.mode === 'ambient' || edgeKind(env) === 'istio-gateway');
}

/**
 * spec.edge.gatewayApiCrds: install (the default): tracestack installs the Gateway API standard CRDs wherever it
 * renders a Gateway. Argo CD: an Application whose source is the upstream repository at the tag, server-side applied
 * (httproutes' CRD alone is ~430 kB, far over the 256 kB kubectl.kubernetes.io/last-applied-configuration annotation
 * client-side apply writes: argo-cd docs/user-guide/sync-options.md "Server-Side Apply"). helmfile: the same path as a
 * go-getter URL, which helmfile fetches and, as the folder has no Chart.yaml, runs through chartify (helmfile v1.7.4
 * pkg/state/helmx.go goGetterChart and PrepareChartify; URL form git::https://<repo>.git@<path>?ref=<tag> as in
 * pkg/remote/remote_test.go "git scheme"). chartify moves every YAML of a folder without kustomization.yaml under
 * templates/ (helmfile/chartify v0.28.1 chartify.go Chartify), so Helm upgrades the CRDs like any template (a chart's
 * crds/ folder would be installed once and never upgraded).
 *
 * No cascade finalizer on its Application (plan/argocd.ts): deleting it must not delete the CRDs and with them every
 * Gateway and HTTPRoute in the cluster.
 */
export const gatewayApi = defineComponent({
  id: 'gateway-api',
  waves: WAVES,
  provides: [GATEWAY_API_CRDS],
  remotes: [GATEWAY_API_SOURCE],
  units(env): Unit[] {
    if (!rendersGateways(env) || env.spec.edge.gatewayApiCrds !== 'install') return [];
    return [
      {
        kind: 'remote',
        id: GATEWAY_API_CRDS,
        release: GATEWAY_API_CRDS,
        // The CRDs are cluster-scoped; the namespace only holds the Helm release record (and is the Application's
        // destination). Istio's, which istio-base also uses at this wave.
        namespace: env.spec.istio.namespace,
        source: GATEWAY_API_SOURCE,
        wave: WAVES.crds,
        needs: [],
        syncOptions: ['ServerSideApply=true'],
        argocd: true,
        crds: [GATEWAY_API_GROUP],
      },
    ];
  },
});

/** The helmfile chart of a remote unit: a go-getter URL (helmfile v1.7.4 pkg/remote/remote_test.go "git scheme"). */
export const goGetterChart = (s: RemoteSource) => `git::${s.repoURL}@${s.path}?ref=${s.targetRevision}`;
