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
  /** Extra helmfile release labels, beside component and tier (e.g. the Tempo migration phase the release was rendered at). */
  labels?: Record<string, string>;
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

/**
 * Manifests applied as an upstream project publishes them, from its Git repository at a release tag: the Argo CD
 * Application's source is that repository and path, helmfile fetches the same path with go-getter and chartify
 * turns it into a chart. Nothing of it is written under out/ (tracestack neither copies nor patches upstream files).
 */
export interface RemoteUnit extends UnitCommon {
  kind: 'remote';
  /** helmfile release name. */
  release: string;
  source: RemoteSource;
  /** Always true: both helmfile and Argo CD install it. */
  argocd: true;
  /** API groups whose CRDs it installs (custom resources of these groups need it first). */
  crds?: string[];
}

/** An upstream Git repository path at a release tag. */
export interface RemoteSource {
  repoURL: string;
  /** A release tag, never a branch. */
  targetRevision: string;
  /** A folder of manifests (Argo CD's directory source, non-recursive) or a kustomization. */
  path: string;
}

export type Unit = HelmUnit | KustomizeUnit | RemoteUnit;

/** A chart a component renders values for (one spec.chartVersions key). */
export interface ChartDescription {
  /** The spec.chartVersions key. */
  key: string;
  /** helmfile repository name and its URL. */
  repo: string;
  repoURL: string;
  chart: string;
  /** Versions whose values tracestack writes and tests (the first is the default). */
  known: readonly string[];
  /** Other charts of the same family pinned by the same key and version (istio: istiod beside base). */
  family?: readonly string[];
}

/** Free-form Helm values a user may pass through to a chart (deep-merged over what tracestack renders). */
export interface PassThroughDescription {
  /** The spec path of the values, e.g. ['tempo', 'values']. */
  at: readonly string[];
  /** The chart they go to (in messages). */
  chart: string;
  /**
   * Values paths the chart renders through Helm's `tpl` (a `{{` below them would run as a template at install
   * time), read from the chart's templates at the pinned version; `source` says where.
   */
  tpl?: { source: string; paths: readonly string[] };
  /**
   * Maps the chart passes on to another program's configuration, open to any key although their defaults list some:
   * keys under them are not chart settings and never reported as unknown. Keys from the top; `*` is any one key.
   */
  freeForm?: ReadonlyArray<readonly string[]>;
  /** Rendered values a pass-through may replace although a spec field feeds them, because a cross-check validates the replacement. */
  replaceable?: ReadonlyArray<readonly string[]>;
}

/**
 * One component, described once. Every table the rest of tracestack needs (charts and repositories, waves,
 * unit ids, platform namespaces, the kinds a team may not deploy, the pass-through values the credential scan,
 * redaction and the tpl check look at, the environment schema) is derived from these descriptions
 * (components/derived.ts). Adding a component is adding a folder and one line in components/index.ts.
 */
export interface Component {
  id: string;
  /** spec.<specKey> configures it (absent for components driven by other sections, e.g. namespaces). */
  specKey?: string;
  /**
   * JSON Schema of spec.<specKey> for a component whose section is not in schemas/environment.schema.json yet; the
   * environment schema is that file plus these sections (validate/schema.ts).
   */
  schema?: Record<string, unknown>;
  charts?: readonly ChartDescription[];
  /** The sync waves its units use, by name: every unit's wave is one of these. */
  waves: Readonly<Record<string, number>>;
  /** The unit ids it may render (`*` stands for a name part, e.g. team-*): a need must name one of these. */
  provides: readonly string[];
  /** The platform namespace it installs into when enabled (no team may own it), with its spec path. */
  platformNamespace?(env: Environment): { path: string; namespace: string } | undefined;
  /** Kinds a team's AppProject may not deploy: the platform renders them in team namespaces. */
  teamForbiddenKinds?: ReadonlyArray<{ group: string; kind: string }>;
  passThrough?: readonly PassThroughDescription[];
  /** Upstream Git sources its remote units apply (the AppProject's sourceRepos and the verifier's pin check use them). */
  remotes?: readonly RemoteSource[];
  /** Units for this environment; only what the environment enables. */
  units(env: Environment, names: Names): Unit[];
}

/** Identity, for type checking a description where it is written. */
export const defineComponent = <C extends Component>(c: C): C => c;
