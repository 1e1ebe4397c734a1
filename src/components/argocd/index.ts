import { defineComponent, type ChartDescription } from '../types.js';
import { chartFor } from '../charts.js';
import { RELEASES } from '../names.js';
import { withPassThrough } from '../values.js';
import { TPL } from './tpl.js';

/**
 * Argo CD removed the built-in health check of Application resources in 1.8: without this one, an app-of-apps
 * parent does not wait for a child to be Healthy, and sync waves between Applications do not hold.
 */
export const APPLICATION_HEALTH_LUA = `hs = {}
hs.status = "Progressing"
hs.message = ""
if obj.status ~= nil then
  if obj.status.health ~= nil then
    hs.status = obj.status.health.status
    if obj.status.health.message ~= nil then
      hs.message = obj.status.health.message
    end
  end
end
return hs
`;

/** Argo CD itself: a helmfile release for bootstrap only (Argo CD does not manage its own install here). */
const WAVES = { bootstrap: -20 } as const;

export const ARGOCD_CHART: ChartDescription = { key: 'argo-cd', repo: 'argo', repoURL: 'https://argoproj.github.io/argo-helm', chart: 'argo-cd', known: ['10.1.1'] };

export const argocd = defineComponent({
  id: 'argocd',
  specKey: 'argocd',
  charts: [ARGOCD_CHART],
  waves: WAVES,
  provides: ['argo-cd'],
  platformNamespace: (env) => ({ path: 'spec.argocd.namespace', namespace: env.spec.argocd.namespace }),
  passThrough: [{ at: ['argocd', 'install', 'values'], chart: 'argo-cd', tpl: TPL, freeForm: [['configs', 'cm'], ['configs', 'params'], ['configs', 'rbac']] /* argocd-cm, -cmd-params-cm, -rbac-cm keys */ }],
  units(env) {
    const a = env.spec.argocd;
    if (!a.install.enabled) return [];
    return [
      {
        kind: 'helm',
        id: 'argo-cd',
        release: RELEASES.argocd,
        namespace: a.namespace,
        chart: chartFor(env, ARGOCD_CHART),
        passThrough: 'spec.argocd.install.values',
        values: withPassThrough({ configs: { cm: { 'resource.customizations.health.argoproj.io_Application': APPLICATION_HEALTH_LUA } } }, a.install.values),
        wave: WAVES.bootstrap,
        needs: [],
        argocd: false,
        crds: ['argoproj.io'],
      },
    ];
  },
});
