import type { Component } from '../types.js';
import { chartFor } from '../charts.js';
import { RELEASES } from '../names.js';
import { withPassThrough } from '../values.js';

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
export const argocd: Component = {
  id: 'argocd',
  units(env) {
    const a = env.spec.argocd;
    if (!a.install.enabled) return [];
    return [
      {
        kind: 'helm',
        id: 'argo-cd',
        release: RELEASES.argocd,
        namespace: a.namespace,
        chart: chartFor(env, 'argo-cd'),
        passThrough: 'spec.argocd.install.values',
        values: withPassThrough({ configs: { cm: { 'resource.customizations.health.argoproj.io_Application': APPLICATION_HEALTH_LUA } } }, a.install.values),
        wave: -20,
        needs: [],
        argocd: false,
        crds: ['argoproj.io'],
      },
    ];
  },
};
