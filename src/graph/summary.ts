import type { Environment } from '../model.js';
import { traceGraph } from './model.js';
import { toMermaid } from './render.js';

/** Mermaid trace path of each of these environments that changed (for the markdown PR summary). */
export function changedGraphs(environments: Environment[], changed: Iterable<string>): Map<string, string> {
  const names = new Set(changed);
  return new Map(environments.filter((e) => names.has(e.metadata.name)).map((e) => [e.metadata.name, toMermaid(traceGraph(e))]));
}
