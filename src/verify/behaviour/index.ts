import type { Diagnostic } from '../../diagnostics.js';
import type { Unit } from '../../components/types.js';
import type { Environment } from '../../model.js';
import type { Names } from '../../components/names.js';
import type { SourcePosition } from '../../diagnostics.js';
import { argoNamespaces, crdOrder } from './sync.js';
import { collectorPipelines, collectorWaitsForMetadata, exemplarLabel, grafanaOrgs, meshEnrolment, operatorLanguages, tempoTenantBlocks } from './semantics.js';
import type { BehaviourRule } from './types.js';
import { pointerToPath } from '../../validate/schema.js';
import { tempoReachable, tenantIsolation } from './access.js';
import { ambientWaypoint, gatewayAccessLog, meshModeMixed, telemetryTargets } from './ambient.js';
import { tempo3Kafka, tempoWritePath } from './tempo3.js';
import { remoteWriteReceiver } from './metrics.js';
import { SAMPLING_RULES } from './sampling.js';

/**
 * What tracestack proves about a stack before writing it: each rule encodes one behaviour of the program that
 * consumes the output (Argo CD, helmfile, istiod, the operator, Tempo, Grafana, the collector), with its source.
 * README "What tracestack proves about your stack" lists them; test/behaviour.test.ts breaks each one.
 */
export const BEHAVIOUR_RULES: readonly BehaviourRule[] = [
  argoNamespaces,
  crdOrder,
  meshEnrolment,
  tempoTenantBlocks,
  operatorLanguages,
  grafanaOrgs,
  exemplarLabel,
  collectorWaitsForMetadata,
  collectorPipelines,
  tenantIsolation,
  tempoReachable,
  ambientWaypoint,
  telemetryTargets,
  meshModeMixed,
  gatewayAccessLog,
  tempo3Kafka,
  tempoWritePath,
  remoteWriteReceiver,
  ...SAMPLING_RULES,
];

export interface BehaviourInput {
  env: Environment;
  names: Names;
  units: Unit[];
  /** The environment document as written (to tell the user's own pass-through values from tracestack's). */
  document: Record<string, unknown>;
  locate(pointer: string, preferKey?: boolean): SourcePosition;
}

export function verifyBehaviour(input: BehaviourInput, rules: readonly BehaviourRule[] = BEHAVIOUR_RULES): Diagnostic[] {
  const at = (pointer: string) =>
    pointer
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), input.document);
  const written = (pointer: string) => at(pointer) !== undefined;
  const ctx = { env: input.env, names: input.names, units: input.units, written };
  const out: Diagnostic[] = [];
  for (const rule of rules) {
    for (const f of rule.check(ctx)) {
      // a map or list is pointed at by its key, a scalar by its value
      const value = at(f.pointer);
      out.push({ ...input.locate(f.pointer, value !== null && typeof value === 'object'), path: pointerToPath(f.pointer), code: rule.id, message: f.message, ...(f.suggestion ? { suggestion: f.suggestion } : {}), severity: 'error' });
    }
  }
  return out;
}

export type { BehaviourRule } from './types.js';
