import type { Component } from './types.js';
import { argocd } from './argocd/index.js';
import { certManager } from './cert-manager/index.js';
import { istio } from './istio/index.js';
import { otelOperator } from './otel-operator/index.js';
import { prometheus } from './prometheus/index.js';
import { strimzi } from './strimzi/index.js';
import { tempo } from './tempo/index.js';
import { collector } from './collector/index.js';
import { instrumentation } from './instrumentation/index.js';
import { ingressNginx } from './ingress-nginx/index.js';
import { istioGateway } from './istio-gateway/index.js';
import { grafana } from './grafana/index.js';
import { teams } from './teams/index.js';
import { namespaces } from './namespaces/index.js';
import { gatewayApi } from './gateway-api/index.js';

/**
 * Every component, registered once, in render order (units, helmfile releases and Argo CD Applications follow it).
 * Adding a component is adding a folder and a line here; every table is derived from the list (derived.ts).
 */
const REGISTRY: Component[] = [
  argocd,
  namespaces,
  certManager,
  gatewayApi,
  istio,
  prometheus,
  otelOperator,
  strimzi,
  tempo,
  collector,
  ingressNginx,
  istioGateway,
  grafana,
  instrumentation,
  teams,
];

let version = 0;

/** The registered components, in render order. */
export const components = (): readonly Component[] => REGISTRY;

/** Bumped whenever the registry changes, so derived tables know when to recompute. */
export const registryVersion = () => version;

/**
 * Register a component at run time (tests, and extensions that cannot add a line above); returns the function
 * that removes it again. Its id must be new.
 */
export function registerComponent(c: Component): () => void {
  if (REGISTRY.some((r) => r.id === c.id)) throw new Error(`component "${c.id}" is already registered`);
  REGISTRY.push(c);
  version++;
  return () => {
    const i = REGISTRY.indexOf(c);
    if (i >= 0) REGISTRY.splice(i, 1);
    version++;
  };
}
