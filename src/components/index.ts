import type { Component } from './types.js';
import { argocd } from './argocd/index.js';
import { certManager } from './cert-manager/index.js';
import { istio } from './istio/index.js';
import { otelOperator } from './otel-operator/index.js';
import { prometheus } from './prometheus/index.js';
import { tempo } from './tempo/index.js';
import { collector } from './collector/index.js';
import { instrumentation } from './instrumentation/index.js';
import { ingressNginx } from './ingress-nginx/index.js';
import { grafana } from './grafana/index.js';
import { teams } from './teams/index.js';
import { namespaces } from './namespaces/index.js';

/** Every component, registered once. Adding a component is adding a folder and a line here. */
export const COMPONENTS: readonly Component[] = [
  argocd,
  namespaces,
  certManager,
  istio,
  prometheus,
  otelOperator,
  tempo,
  collector,
  ingressNginx,
  grafana,
  instrumentation,
  teams,
];
