import type { HelmUnit, Unit } from '../../components/types.js';
import type { Environment } from '../../model.js';
import type { Names } from '../../components/names.js';

/** What a behaviour rule sees: the resolved environment and the units exactly as they are rendered. */
export interface RuleContext {
  env: Environment;
  names: Names;
  units: Unit[];
  /** Whether the environment file (or _defaults.yaml) writes this JSON pointer itself. */
  written(pointer: string): boolean;
}

/** A finding, mapped back to the spec field that caused it (a JSON pointer into the environment document). */
export interface Finding {
  pointer: string;
  message: string;
  suggestion?: string;
}

export interface BehaviourRule {
  /** Diagnostic code. */
  id: string;
  /** What the rule prevents, for README and `explain`. */
  prevents: string;
  /** The upstream code or document whose behaviour the rule encodes (repository, path, version). */
  source: string;
  check(ctx: RuleContext): Finding[];
}

export const helmUnit = (units: Unit[], id: string) => units.find((u): u is HelmUnit => u.kind === 'helm' && u.id === id);

export const ptr = (...parts: Array<string | number>) => '/' + parts.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/** The spec field that puts a namespace into the plan (for pointing a finding at the user's line). */
export function namespacePointer(env: Environment, ns: string): string {
  const s = env.spec;
  const i = s.instrumentation.namespaces.indexOf(ns);
  if (s.instrumentation.enabled && i >= 0) return ptr('spec', 'instrumentation', 'namespaces', i);
  for (const [t, team] of (s.teams ?? []).entries()) {
    const j = team.namespaces.indexOf(ns);
    if (j >= 0) return ptr('spec', 'teams', t, 'namespaces', j);
  }
  const e = (s.existingNamespaces ?? []).indexOf(ns);
  if (e >= 0) return ptr('spec', 'existingNamespaces', e);
  for (const key of ['istio', 'collector', 'tempo', 'grafana', 'otelOperator', 'ingressNginx', 'certManager', 'prometheus', 'argocd'] as const) {
    if ((s[key] as { namespace?: string }).namespace === ns) return ptr('spec', key, 'namespace');
  }
  return ptr('spec');
}

/** Objects that are not namespaced (they land in no namespace). */
export const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'StorageClass', 'PriorityClass']);

/** API groups served by every Kubernetes API server (no CRD needed). */
export const BUILT_IN_GROUPS = new Set(['', 'apps', 'batch', 'policy', 'autoscaling', 'rbac.authorization.k8s.io', 'networking.k8s.io', 'apiextensions.k8s.io', 'admissionregistration.k8s.io', 'coordination.k8s.io', 'storage.k8s.io', 'scheduling.k8s.io']);

type Obj = Record<string, unknown>;
/** A map, or an empty one for anything else (rendered values are read defensively: pass-through can put anything there). */
export const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
/** The value at a dotted path, or undefined. */
export const get = (o: unknown, path: string): unknown => path.split('.').reduce<unknown>((x, k) => obj(x)[k], o);
/** Every datasource the rendered Grafana values provision (all provisioning files). */
export const grafanaDatasources = (values: Obj): Obj[] => Object.values(obj(values.datasources)).flatMap((file) => (obj(file).datasources as Obj[] | undefined) ?? []);

export const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');
