import type { K8sObject, KustomizeUnit } from '../../components/types.js';
import { obj, type RuleContext } from './types.js';

/**
 * The tail samplers the sampling rules (sampling.ts, sampling-per-pod.ts) check, found on the rendered objects: a
 * collector is a tail sampler when one of its pipelines runs a tail_sampling processor, whatever the spec says.
 */

export type Obj = Record<string, unknown>;
export const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
export const TAIL = /^tail_sampling(\/.*)?$/;
export const METRIC_CONNECTORS = /^(span_metrics|spanmetrics|service_graph|servicegraph)(\/.*)?$/;

export interface Sampler {
  unit: KustomizeUnit;
  collector: K8sObject;
  config: Obj;
  /** The tail_sampling processors its pipelines use. */
  processors: string[];
}

export function samplers(ctx: RuleContext): Sampler[] {
  const out: Sampler[] = [];
  for (const u of ctx.units) {
    if (u.kind !== 'kustomize') continue;
    for (const c of u.objects.filter((o) => o.kind === 'OpenTelemetryCollector')) {
      const config = obj(obj(c.spec).config);
      const used = Object.values(obj(obj(config.service).pipelines)).flatMap((p) => list(obj(p).processors).filter((x) => TAIL.test(x)));
      if (used.length) out.push({ unit: u, collector: c, config, processors: [...new Set(used)] });
    }
  }
  return out;
}
