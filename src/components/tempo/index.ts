import type { Component } from '../types.js';
import { WAVES } from '../types.js';
import { chartFor } from '../charts.js';
import { RELEASES } from '../../resolve/names.js';
import { withPassThrough } from '../values.js';
import type { EnvironmentSpec } from '../../model.js';
import type { Names } from '../../resolve/names.js';

/** Tempo 2.x retention is in hours (a Go duration): 14d -> 336h. */
export function retentionHours(retention: string): string {
  const m = /^(\d+)(h|d)$/.exec(retention);
  if (!m) throw new Error(`invalid retention ${retention}`);
  return m[2] === 'd' ? `${Number(m[1]) * 24}h` : retention;
}

const GCS_KEY_DIR = '/var/secrets/tempo-gcs';

/** storage.trace plus how the credentials reach the pods; never the credentials themselves. */
function storageValues(storage: EnvironmentSpec['tempo']['storage']): Record<string, unknown> {
  const secret = storage.credentialsSecret.name;
  switch (storage.backend) {
    case 's3': {
      const s3 = storage.s3!;
      return {
        storage: {
          trace: {
            backend: 's3',
            s3: {
              bucket: s3.bucket,
              endpoint: s3.endpoint,
              ...(s3.region ? { region: s3.region } : {}),
              insecure: s3.insecure,
              forcepathstyle: s3.forcePathStyle,
            },
          },
        },
        // AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the existing Secret; Tempo's S3 client reads them from the env.
        global: { extraEnvFrom: [{ secretRef: { name: secret } }] },
      };
    }
    case 'azure': {
      const az = storage.azure!;
      return {
        storage: {
          trace: {
            backend: 'azure',
            azure: {
              container_name: az.containerName,
              storage_account_name: az.storageAccountName,
              // Expanded by Tempo at start-up (-config.expand-env) from the Secret's AZURE_STORAGE_KEY.
              storage_account_key: '${AZURE_STORAGE_KEY}',
            },
          },
        },
        global: { extraEnvFrom: [{ secretRef: { name: secret } }], extraArgs: ['-config.expand-env=true'] },
      };
    }
    case 'gcs':
      return {
        storage: { trace: { backend: 'gcs', gcs: { bucket_name: storage.gcs!.bucketName } } },
        defaults: {
          extraVolumes: [{ name: 'gcs-credentials', secret: { secretName: secret } }],
          extraVolumeMounts: [{ name: 'gcs-credentials', mountPath: GCS_KEY_DIR, readOnly: true }],
          extraEnv: [{ name: 'GOOGLE_APPLICATION_CREDENTIALS', value: `${GCS_KEY_DIR}/key.json` }],
        },
      };
  }
}

/**
 * With teams, every component requires X-Scope-OrgID; a team that sets its own retention or processors gets a
 * per_tenant_overrides block keyed by its tenant id (from names.tenancy, like the collector's headers). Each
 * block lists both settings, the team's or the environment's, since the chart asks for complete blocks.
 */
function tenantValues(s: EnvironmentSpec, names: Names): Record<string, unknown> {
  if (!names.tenancy) return {};
  const overrides: Record<string, unknown> = {};
  for (const tenant of names.tenancy.tenants) {
    const team = s.teams.find((t) => t.name === tenant.team);
    if (!team || (team.retention === undefined && team.metricsGeneratorProcessors === undefined)) continue;
    overrides[tenant.id] = {
      ...(s.tempo.metricsGenerator.enabled
        ? { metrics_generator: { processors: team.metricsGeneratorProcessors ?? s.tempo.metricsGenerator.processors } }
        : {}),
      compaction: { block_retention: retentionHours(team.retention ?? s.tempo.retention) },
    };
  }
  return { multitenancyEnabled: true, ...(Object.keys(overrides).length ? { per_tenant_overrides: overrides } : {}) };
}

/** Grafana Tempo, tempo-distributed 2.x (distributor, ingester, compactor on object storage), with the metrics generator. */
export const tempo: Component = {
  id: 'tempo',
  units(env, names) {
    const t = env.spec.tempo;
    if (!t.enabled) return [];
    const r = t.replicas;
    const generator = t.metricsGenerator.enabled;
    const values: Record<string, unknown> = {
      fullnameOverride: names.tempoFullname, // stable Service names: tempo-distributor, tempo-query-frontend
      traces: { otlp: { grpc: { enabled: true }, http: { enabled: true } } },
      ...storageValues(t.storage),
      distributor: { replicas: r.distributor },
      // Replication factor 3 needs at least 3 ingesters; with fewer, writes would fail.
      ingester: { replicas: r.ingester, config: { replication_factor: r.ingester >= 3 ? 3 : 1 } },
      querier: { replicas: r.querier },
      queryFrontend: { replicas: r.queryFrontend },
      compactor: { replicas: r.compactor, config: { compaction: { block_retention: retentionHours(t.retention) } } },
      metricsGenerator: generator
        ? {
            enabled: true,
            replicas: r.metricsGenerator,
            config: { storage: { remote_write: [{ url: names.prometheusRemoteWriteUrl, send_exemplars: true }] } },
          }
        : { enabled: false },
      // Without processors in the overrides the generator runs but emits nothing (empty service graph).
      overrides: generator ? { defaults: { metrics_generator: { processors: t.metricsGenerator.processors } } } : { defaults: {} },
      ...tenantValues(env.spec, names),
    };
    const deps = env.spec.prometheus.mode === 'deploy' && generator ? ['prometheus'] : [];
    return [
      {
        kind: 'helm',
        id: 'tempo',
        release: RELEASES.tempo,
        namespace: t.namespace,
        chart: chartFor(env, 'tempo'),
        passThrough: 'spec.tempo.values',
        values: withPassThrough(values, t.values),
        wave: WAVES.backends,
        needs: deps,
        syncOptions: ['CreateNamespace=true'],
        argocd: true,
      },
    ];
  },
};
