import type { Unit } from '../../components/types.js';
import { applicationSyncOptions } from '../../plan/argocd.js';
import { createdNamespaces } from '../../resolve/units.js';
import { existingNamespaces } from '../../components/namespaces/facts.js';
import { GATEWAY_API_GROUP, ISTIO_CRD_GROUPS } from '../../components/istio/index.js';
import { BUILT_IN_GROUPS, CLUSTER_SCOPED, groupOf, namespacePointer, ptr, type BehaviourRule, type Finding } from './types.js';

/** Every (object, namespace) a unit applies: Helm releases into their namespace, Kustomize objects into each target. */
function landings(u: Unit): Array<{ what: string; namespace: string; group: string }> {
  if (u.kind === 'helm') return [{ what: `release ${u.release}`, namespace: u.namespace, group: '' }];
  // cluster-scoped CRDs (and a ValidatingAdmissionPolicy) only
  if (u.kind === 'remote') return [];
  return u.objects.flatMap((o) =>
    CLUSTER_SCOPED.has(o.kind)
      ? [{ what: `${o.kind} ${o.metadata.name}`, namespace: '', group: groupOf(o.apiVersion) }]
      : u.targetNamespaces.map((ns) => ({ what: `${o.kind} ${o.metadata.name}`, namespace: ns, group: groupOf(o.apiVersion) })),
  );
}

const argoUnits = (units: Unit[]) => units.filter((u) => u.kind === 'kustomize' || u.argocd);

/** Units in `needs` order, each with everything it transitively needs. */
function transitiveNeeds(units: Unit[]): Map<string, Set<string>> {
  const byId = new Map(units.map((u) => [u.id, u]));
  const memo = new Map<string, Set<string>>();
  const visit = (id: string, stack: Set<string>): Set<string> => {
    const known = memo.get(id);
    if (known) return known;
    const out = new Set<string>();
    if (stack.has(id)) return out; // a cycle is reported by helmfile itself
    stack.add(id);
    for (const n of byId.get(id)?.needs ?? []) {
      if (!byId.has(n)) continue;
      out.add(n);
      for (const m of visit(n, stack)) out.add(m);
    }
    stack.delete(id);
    memo.set(id, out);
    return out;
  };
  for (const u of units) visit(u.id, new Set());
  return memo;
}

/**
 * Argo CD replay: the root app applies its child Applications wave by wave and waits for each wave to be healthy
 * (argo-cd gitops-engine pkg/sync/sync_context.go: waves in order, a failed apply fails the sync operation; the
 * Application health check tracestack installs makes the parent wait). A child whose objects go into a namespace
 * that does not exist yet fails, and automated sync does not retry a failed revision (argo-cd
 * docs/user-guide/auto_sync.md), so the app-of-apps waits forever. CreateNamespace=true creates only the
 * Application's destination namespace (argo-cd docs/user-guide/sync-options.md, "Namespace Auto-Creation").
 */
export const argoNamespaces: BehaviourRule = {
  id: 'sync-namespace',
  prevents: 'an Application (or helmfile release) applying objects into a namespace that nothing has created by then: the sync fails and the app-of-apps waits forever',
  source: 'argoproj/gitops-engine pkg/sync/sync_context.go; argoproj/argo-cd docs/user-guide/sync-options.md and auto_sync.md (v3.4); helmfile docs (needs, createNamespace)',
  check(ctx) {
    const out: Finding[] = [];
    const existing = existingNamespaces(ctx.env);
    const apps = argoUnits(ctx.units);
    for (const u of apps) {
      const created = new Set(apps.filter((p) => p.wave < u.wave).flatMap(createdNamespaces));
      const own = applicationSyncOptions(u).includes('CreateNamespace=true') ? u.namespace : undefined;
      for (const l of landings(u)) {
        if (!l.namespace || existing.has(l.namespace) || created.has(l.namespace) || l.namespace === own) continue;
        const later = apps.find((p) => createdNamespaces(p).includes(l.namespace));
        out.push({
          pointer: namespacePointer(ctx.env, l.namespace),
          message: `Argo CD: ${l.what} of Application ${ctx.names.appName(u.id)} (wave ${u.wave}) goes into namespace "${l.namespace}", which ${later ? `Application ${ctx.names.appName(later.id)} only creates at wave ${later.wave}` : 'nothing creates'}; the apply fails and the app-of-apps waits forever`,
          suggestion: `List "${l.namespace}" in spec.existingNamespaces if it already exists; otherwise this is a tracestack bug (please report).`,
        });
      }
    }
    // helmfile: a release may only write where it creates its own namespace or where a release it needs did.
    const needs = transitiveNeeds(ctx.units);
    for (const u of ctx.units) {
      const before = new Set([...(needs.get(u.id) ?? [])].flatMap((id) => createdNamespaces(ctx.units.find((x) => x.id === id)!)));
      if (createdNamespaces(u).includes(u.namespace)) {
        out.push({
          pointer: namespacePointer(ctx.env, u.namespace),
          message: `helmfile: release ${u.id} ships Namespace "${u.namespace}" and installs into it with createNamespace on: helm fails with "namespaces \\"${u.namespace}\\" already exists"`,
          suggestion: 'This is a tracestack bug (please report).',
        });
      }
      for (const l of landings(u)) {
        if (!l.namespace || existing.has(l.namespace) || before.has(l.namespace) || l.namespace === u.namespace) continue;
        out.push({
          pointer: namespacePointer(ctx.env, l.namespace),
          message: `helmfile: ${l.what} of release ${u.id} goes into namespace "${l.namespace}", which no release it needs creates`,
          suggestion: `List "${l.namespace}" in spec.existingNamespaces if it already exists; otherwise this is a tracestack bug (please report).`,
        });
      }
    }
    return out;
  },
};

/**
 * A custom resource needs its CRD: Argo CD's dry run fails on an unknown kind unless the Application carries
 * SkipDryRunOnMissingResource=true (argo-cd docs/user-guide/sync-options.md), and even then the CRD must come from
 * an earlier wave; helmfile applies a release only after the releases it needs.
 */
export const crdOrder: BehaviourRule = {
  id: 'sync-crd',
  prevents: 'a custom resource applied before (or without) the release that installs its CRD',
  source: 'argoproj/argo-cd docs/user-guide/sync-options.md (SkipDryRunOnMissingResource), v3.4; helmfile needs',
  check(ctx) {
    const out: Finding[] = [];
    const providers = ctx.units.filter((u) => (u.kind === 'helm' || u.kind === 'remote') && u.crds?.length);
    // What the spec says the cluster already runs: an existing Istio, an existing OpenTelemetry Operator.
    const s = ctx.env.spec;
    // spec.edge.gatewayApiCrds: existing says the cluster has the Gateway API standard CRDs; install renders the
    // gateway-api-crds unit, a provider like a Helm release with CRDs.
    const inCluster = new Set([
      ...(s.istio.enabled && !s.istio.install ? ISTIO_CRD_GROUPS : []),
      ...(!s.otelOperator.enabled ? ['opentelemetry.io'] : []),
      ...(s.edge?.gatewayApiCrds === 'existing' ? [GATEWAY_API_GROUP] : []),
    ]);
    const providerOf = (group: string) => providers.find((p) => p.kind !== 'kustomize' && p.crds!.includes(group));
    const needs = transitiveNeeds(ctx.units);
    for (const u of ctx.units) {
      if (u.kind !== 'kustomize') continue;
      for (const l of landings(u)) {
        if (BUILT_IN_GROUPS.has(l.group) || inCluster.has(l.group)) continue;
        const p = providerOf(l.group);
        const where = l.group === GATEWAY_API_GROUP && ctx.written(ptr('spec', 'edge', 'gatewayApiCrds')) ? ptr('spec', 'edge', 'gatewayApiCrds') : ptr('spec');
        if (!p) {
          out.push({
            pointer: where,
            message: `${l.what} (${l.group}) of ${u.id}: no release in this environment installs its CRD`,
            suggestion:
              l.group === GATEWAY_API_GROUP
                ? 'Set spec.edge.gatewayApiCrds: install (tracestack installs the Gateway API standard CRDs v1.6.1), or install them yourself (kubectl apply --server-side -f https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.6.1/standard-install.yaml) and set: spec.edge.gatewayApiCrds: existing'
                : 'Enable the component that installs it (or this is a tracestack bug).',
          });
          continue;
        }
        // SkipDryRunOnMissingResource only gets past the dry run: the apply itself still needs the CRD, which only an
        // earlier wave guarantees (Applications of one wave sync side by side).
        if (!(p.wave < u.wave)) {
          out.push({ pointer: where, message: `Argo CD: ${l.what} of Application ${ctx.names.appName(u.id)} (wave ${u.wave}) needs the CRD from ${ctx.names.appName(p.id)} (wave ${p.wave}), which is not earlier` });
        }
        if (!needs.get(u.id)?.has(p.id)) {
          out.push({ pointer: where, message: `helmfile: ${l.what} of release ${u.id} needs the CRD from release ${p.id}, which it does not need (directly or through another release)` });
        }
      }
    }
    return out;
  },
};
