import type { Environment } from '../model.js';
import type { Names } from './names.js';

/** A Kubernetes object as plain data. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

export interface ChartRef {
  /** helmfile repository name */
  repo: string;
  repoURL: string;
  chart: string;
  version: string;
}

interface UnitCommon {
  /** Unit id, unique in an environment; the Argo CD Application is <env>-<id>. */
  id: string;
  /** Namespace the unit deploys into (Application destination). */
  namespace: string;
  /** Argo CD sync wave of the Application in the root app: dependencies first. */
  wave: number;
  /** Units that must be installed first (helmfile needs). */
  needs: string[];
  syncOptions?: string[];
  ignoreDifferences?: Array<Record<string, unknown>>;
  /**
   * Kustomize only: the base (out/base/<base>/) the overlay patches, when it is not <id>. Per-team units share
   * one base, since the defaults cannot know the team names.
   */
  base?: string;
  /**
   * Labels and annotations for the existing destination namespace (spec.existingNamespaces): Argo CD applies them
   * through syncPolicy.managedNamespaceMetadata, helmfile through presync `kubectl label/annotate` hooks.
   */
  namespaceMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
}

/** A Helm release: one values file, one helmfile release, one multi-source Argo CD Application. */
export interface HelmUnit extends UnitCommon {
  kind: 'helm';
  release: string;
  chart: ChartRef;
  values: Record<string, unknown>;
  /**
   * The spec path of the user's pass-through values for this release (e.g. spec.tempo.values), deep-merged over
   * what tracestack renders; the validator checks them against the chart and against what tracestack renders.
   */
  passThrough?: string;
  /** false: helmfile only (Argo CD's own bootstrap release). */
  argocd: boolean;
  /** API groups whose CRDs this release installs (custom resources of these groups need it first). */
  crds?: string[];
}

/**
 * Custom resources rendered through Kustomize: the objects (without namespace) become a shared base, and each
 * target namespace gets an overlay that patches only what differs from the base.
 */
export interface KustomizeUnit extends UnitCommon {
  kind: 'kustomize';
  objects: K8sObject[];
  /** Namespaces the objects are placed in (one overlay each). */
  targetNamespaces: string[];
}

export type Unit = HelmUnit | KustomizeUnit;

export interface Component {
  id: string;
  /** Units for this environment; only what the environment enables. */
  units(env: Environment, names: Names): Unit[];
}

export const CHART_REPOS = {
  jetstack: 'https://charts.jetstack.io',
  istio: 'https://istio-release.storage.googleapis.com/charts',
  'open-telemetry': 'https://open-telemetry.github.io/opentelemetry-helm-charts',
  'grafana-community': 'https://grafana-community.github.io/helm-charts',
  'prometheus-community': 'https://prometheus-community.github.io/helm-charts',
  'ingress-nginx': 'https://kubernetes.github.io/ingress-nginx',
  argo: 'https://argoproj.github.io/argo-helm',
} as const;


/** Sync waves in dependency order: CRDs and operators before the custom resources that need them. */
export const WAVES = {
  /** Application and team namespaces, before anything is applied into them. */
  namespaces: -30,
  certManager: -10,
  crds: -5,
  operators: 0,
  backends: 5,
  collector: 10,
  edges: 15,
  instrumentation: 20,
  /** Permissions the collector needs before it starts (k8sattributes). */
  collectorRbac: 9,
} as const;
