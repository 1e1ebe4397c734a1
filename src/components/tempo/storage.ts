import type { EnvironmentSpec } from '../../model.js';

const GCS_KEY_DIR = '/var/secrets/tempo-gcs';

/**
 * Workload identity instead of a Secret: the annotation the cloud's integration reads on Tempo's ServiceAccount
 * (tempo-distributed 2.26.2 values.yaml serviceAccount.annotations; every Tempo pod runs as it, templates/_pod.tpl
 * serviceAccountName). EKS (IRSA) and Azure's webhook project the web-identity token into the pods themselves.
 */
export const WORKLOAD_IDENTITY_ANNOTATION = {
  awsRoleArn: 'eks.amazonaws.com/role-arn',
  gcpServiceAccount: 'iam.gke.io/gcp-service-account',
  azureClientId: 'azure.workload.identity/client-id',
} as const;

/** storage.trace plus how the credentials reach the pods; never the credentials themselves. */
export function storageValues(storage: EnvironmentSpec['tempo']['storage']): Record<string, unknown> {
  const identity = storage.workloadIdentity;
  // Both only when the Secret comes from _defaults.yaml and the environment chose an identity (validation allows
  // nothing else): the identity wins.
  const secret = identity ? undefined : storage.credentialsSecret?.name;
  const [idKey, idValue] = (Object.entries(identity ?? {})[0] ?? []) as [keyof typeof WORKLOAD_IDENTITY_ANNOTATION | undefined, string | undefined];
  const serviceAccount = idKey ? { serviceAccount: { annotations: { [WORKLOAD_IDENTITY_ANNOTATION[idKey]]: idValue } } } : {};
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
        // With IRSA the same client finds AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN, set by EKS's webhook.
        ...(secret ? { global: { extraEnvFrom: [{ secretRef: { name: secret } }] } } : {}),
        ...serviceAccount,
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
              // Expanded by Tempo at start-up (-config.expand-env) from the Secret's AZURE_STORAGE_KEY; with workload
              // identity, the federated token instead (grafana/tempo v2.10.7 tempodb/backend/azure/config.go use_federated_token).
              ...(secret ? { storage_account_key: '${AZURE_STORAGE_KEY}' } : { use_federated_token: true }),
            },
          },
        },
        ...(secret
          ? { global: { extraEnvFrom: [{ secretRef: { name: secret } }], extraArgs: ['-config.expand-env=true'] } }
          : // Azure's webhook mutates only pods labelled azure.workload.identity/use=true (tempo-distributed global.podLabels)
            { global: { podLabels: { 'azure.workload.identity/use': 'true' } } }),
        ...serviceAccount,
      };
    }
    case 'gcs':
      return {
        storage: { trace: { backend: 'gcs', gcs: { bucket_name: storage.gcs!.bucketName } } },
        ...(secret
          ? {
              defaults: {
                extraVolumes: [{ name: 'gcs-credentials', secret: { secretName: secret } }],
                extraVolumeMounts: [{ name: 'gcs-credentials', mountPath: GCS_KEY_DIR, readOnly: true }],
                extraEnv: [{ name: 'GOOGLE_APPLICATION_CREDENTIALS', value: `${GCS_KEY_DIR}/key.json` }],
              },
            }
          : {}),
        ...serviceAccount,
      };
  }
}

