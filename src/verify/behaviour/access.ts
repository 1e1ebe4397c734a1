import { obj, ptr, type BehaviourRule, type Finding } from './types.js';

type Obj = Record<string, unknown>;

/**
 * With teams, the tenant is a header Tempo trusts (grafana/tempo v2.10.7 pkg/util user.ExtractOrgID via dskit's
 * tenant resolver: whatever X-Scope-OrgID says), so isolation holds only if nothing but the collector (write)
 * and Grafana (read) can reach Tempo. Tempo and the collector stay outside the mesh (the collector assigns
 * tenants by the sending pod's IP), so an Istio AuthorizationPolicy would not apply to them: a NetworkPolicy
 * does (kubernetes.io NetworkPolicy: a pod selected by an Ingress policy admits only what some rule allows).
 */
export const tenantIsolation: BehaviourRule = {
  id: 'tenant-isolation',
  prevents: 'teams reading each other\'s traces by talking to Tempo directly with another tenant\'s X-Scope-OrgID',
  source: 'kubernetes/website concepts/services-networking/network-policies (v1.35); grafana/tempo v2.10.7 multitenancy (X-Scope-OrgID is trusted)',
  check(ctx) {
    if (!(ctx.env.spec.teams ?? []).length || !ctx.env.spec.tempo.enabled) return [];
    const ns = ctx.env.spec.tempo.namespace;
    const policies = ctx.units.flatMap((u) => (u.kind === 'kustomize' && u.targetNamespaces.includes(ns) ? u.objects.filter((o) => o.kind === 'NetworkPolicy') : []));
    const out: Finding[] = [];
    const covering = policies.filter((p) => Object.keys(obj(obj(p.spec).podSelector)).length === 0 && ((obj(p.spec).policyTypes as string[] | undefined) ?? []).includes('Ingress'));
    if (!covering.length) {
      out.push({
        pointer: ctx.written(ptr('spec', 'tempo', 'networkPolicy')) ? ptr('spec', 'tempo', 'networkPolicy') : ptr('spec', 'teams'),
        message: `with teams, Tempo trusts the X-Scope-OrgID header, but nothing restricts who reaches Tempo in namespace "${ns}": any pod could read any team's traces`,
        suggestion: 'Set: spec.tempo.networkPolicy: true',
      });
      return out;
    }
    const allowed = new Set([ns, ctx.env.spec.collector.namespace, ctx.env.spec.grafana.namespace]);
    for (const p of covering) {
      for (const rule of (obj(p.spec).ingress as Obj[] | undefined) ?? []) {
        const peers = (rule.from as Obj[] | undefined) ?? [];
        const open = !peers.length || peers.some((peer) => {
          if (peer.ipBlock) return true;
          if (!peer.namespaceSelector) return false; // same namespace
          const name = obj(obj(peer.namespaceSelector).matchLabels)['kubernetes.io/metadata.name'];
          return typeof name !== 'string' || !allowed.has(name) || !Object.keys(obj(obj(peer.podSelector).matchLabels)).length;
        });
        if (open) out.push({ pointer: ptr('spec', 'tempo', 'networkPolicy'), message: `NetworkPolicy ${p.metadata.name} in "${ns}" admits more than Tempo, the collector and Grafana: ${JSON.stringify(rule.from ?? 'everyone')}`, suggestion: 'This is a tracestack bug (please report).' });
      }
    }
    return out;
  },
};
