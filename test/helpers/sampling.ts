import { parse, stringify } from 'yaml';
import { readInputs } from '../../src/cli/io.js';
import { behaviourInputs } from '../../src/pipeline.js';
import type { BehaviourInput } from '../../src/verify/behaviour/index.js';
import { REPO } from './repo.js';

/** prod with tail sampling on, head sampling at 100% everywhere and two teams (payments with its own baseline). */
export const SAMPLING = {
  mode: 'tail',
  decisionWait: '30s',
  policies: { errors: true, latencyThreshold: '2s', baselinePercent: 5, dropHealthChecks: true },
  tier2: { replicas: 3, resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { memory: '4Gi' } } },
  teams: { payments: { baselinePercent: 25 } },
};
export const SAMPLED = {
  istio: { samplingPercentage: 100 },
  ingressNginx: { sampler: 'AlwaysOn', samplerRatio: null },
  instrumentation: { namespaces: [], sampler: { type: 'parentbased_always_on', argument: 1 } },
  teams: [
    { name: 'shop', namespaces: ['shop'] },
    { name: 'payments', namespaces: ['payments'] },
  ],
  sampling: SAMPLING,
};

/** The behaviour verifier's input for prod with `spec` (a patch: maps replace key by key at the top level only) over it. */
export function sampledInput(spec: Record<string, unknown> = SAMPLED): BehaviourInput {
  const inputs = readInputs(REPO);
  const file = inputs.environments.find((f) => f.path.replace(/\\/g, '/').endsWith('environments/prod.yaml'))!;
  const doc = parse(file.text) as { spec: Record<string, any> };
  const merged: Record<string, any> = { ...doc.spec };
  for (const [k, v] of Object.entries(spec)) merged[k] = v && typeof v === 'object' && !Array.isArray(v) && merged[k] && typeof merged[k] === 'object' ? { ...merged[k], ...v } : v;
  for (const k of Object.keys(merged)) if (merged[k] === null) delete merged[k];
  for (const section of Object.values(merged)) if (section && typeof section === 'object') for (const [k, v] of Object.entries(section)) if (v === null) delete (section as any)[k];
  const r = behaviourInputs({ defaults: inputs.defaults, environments: [{ ...file, text: stringify({ ...doc, spec: merged }) }] });
  if (!r.inputs[0]) throw new Error(JSON.stringify(r.diagnostics));
  return r.inputs[0];
}
