import type { Environment } from '../model.js';
import { deepMerge } from '../load/merge.js';
import { applySchemaDefaults } from '../validate/schema.js';

/**
 * The environment Kustomize bases are rendered from: schema defaults plus the shared defaults layer, with every
 * component on. Only custom resources are taken from it, and they read none of the placeholders below (which
 * fill the fields the schema requires of a real environment).
 */
export function baseEnvironment(defaultsSpec: Record<string, unknown>): Environment {
  const placeholders = {
    argocd: { repoURL: 'base', destination: { server: 'base' } },
    tempo: { storage: { backend: 's3', credentialsSecret: { name: 'base' }, s3: { bucket: 'base', endpoint: 'base' } } },
  };
  const spec = deepMerge(placeholders, defaultsSpec) as Record<string, unknown>;
  const allOn = {
    istio: { enabled: true },
    collector: { enabled: true },
    // one created and one existing application namespace, so the bases of both namespace units exist
    instrumentation: { enabled: true, namespaces: ['base-app', 'base-existing'] },
    existingNamespaces: ['base-existing'],
    otelOperator: { enabled: true },
    tempo: { enabled: true },
  };
  const doc = applySchemaDefaults({
    apiVersion: 'tracestack.dev/v1alpha1',
    kind: 'Environment',
    metadata: { name: 'base' },
    spec: deepMerge(spec, allOn),
  });
  return doc as unknown as Environment;
}

/**
 * The base environment with one placeholder team: per-team units (and the collector's RBAC) are rendered from
 * it, since the defaults cannot know the team names. Only the units that exist nowhere else take their base from here.
 */
export function baseTeamsEnvironment(base: Environment): Environment {
  const copy = structuredClone(base);
  copy.spec.teams = [{ name: 'team', namespaces: ['base-team'], languages: [], grafanaOrgId: 1 }];
  return copy;
}

/**
 * The base environment on Tempo 3 with a Strimzi-managed Kafka: the Kafka unit's base comes from it (only units
 * that exist nowhere else take their base from here, so 2.x bases are untouched).
 */
export function baseTempo3Environment(base: Environment): Environment {
  const copy = structuredClone(base);
  copy.spec.tempo.version = '3';
  copy.spec.tempo.kafka.mode = 'strimzi';
  return copy;
}
