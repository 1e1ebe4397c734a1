import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { editFile, REPO, runCli, scratchRepo } from './helpers/repo.js';

/**
 * Bring your own: an existing Istio, Argo CD and Prometheus, and the cloud's workload identity instead of a Secret
 * (environments/staging.yaml is the committed example; these tests vary it).
 */
const read = (dir: string, p: string) => parse(readFileSync(join(dir, p), 'utf8'));
const staging = (edit?: (file: string) => void) => {
  const dir = scratchRepo();
  if (edit) edit(join(dir, 'environments/staging.yaml'));
  return { dir, r: runCli(dir, ['generate']) };
};

describe('bring your own', () => {
  it('staging (GKE Workload Identity, 10% sampling, a cluster by name, existing Istio, Argo CD and Prometheus) generates without warnings of its own', () => {
    const { dir, r } = staging();
    expect(r.code, r.err).toBe(0);
    expect(r.err.split('\n').filter((l) => l.includes('staging.yaml'))).toEqual([]);
    const helmfile = read(dir, 'out/staging/helmfile.yaml');
    const releases = helmfile.releases.map((x: { name: string }) => x.name);
    // no Istio, no Argo CD, no Prometheus of tracestack's own
    for (const gone of ['istio-base', 'istiod', 'argo-cd', 'kube-prometheus-stack']) expect(releases).not.toContain(gone);
    expect(releases).toEqual(expect.arrayContaining(['istio-telemetry', 'tempo', 'collector', 'grafana', 'namespaces']));
    const tempo = read(dir, 'out/staging/values/tempo.yaml');
    expect(tempo.serviceAccount.annotations).toEqual({ 'iam.gke.io/gcp-service-account': 'tempo-traces@acme-staging.iam.gserviceaccount.com' });
    expect(JSON.stringify(tempo)).not.toMatch(/GOOGLE_APPLICATION_CREDENTIALS|extraVolumes|secretName/);
    const app = read(dir, 'out/staging/argocd/apps/tempo.yaml');
    expect(app.spec.destination).toEqual({ name: 'staging-europe-west1', namespace: 'tempo' });
    const telemetry = readFileSync(join(dir, 'out/staging/kustomize/istio-telemetry/kustomization.yaml'), 'utf8');
    expect(telemetry).toContain('randomSamplingPercentage: 10');
    expect(readFileSync(join(dir, 'out/staging/kustomize/namespaces/kustomization.yaml'), 'utf8')).toContain('namespace: shop');
  });

  it('existing Argo CD: no bootstrap release, the Application health check as a patch for argocd-cm, and doctor says how to apply it', () => {
    const { dir } = staging();
    const patch = read(dir, 'out/staging/argocd/argocd-cm-patch.yaml');
    expect(patch.data['resource.customizations.health.argoproj.io_Application']).toContain('obj.status.health.status');
    // not part of what the root app syncs
    expect(read(dir, 'out/staging/argocd/apps/kustomization.yaml').resources).not.toContain('../argocd-cm-patch.yaml');
    const doctor = runCli(dir, ['doctor']);
    expect(doctor.out).toContain('kubectl patch configmap argocd-cm -n argocd --type merge --patch-file out/staging/argocd/argocd-cm-patch.yaml');
  });

  it('existing Istio without its mesh config: a warning that says what the mesh must contain (exit 0)', () => {
    const { r } = staging((f) => editFile(f, /    existingMeshConfig:\n(      .*\n|        .*\n|          .*\n|            .*\n)+/, ''));
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/staging\.yaml:\d+:\d+: warning: spec\.istio\.install: Istio is not installed by tracestack: the existing mesh config must contain extensionProviders: \[\{name: otel-tracing, opentelemetry: \{service: otel-collector\.otel\.svc\.cluster\.local, port: 4317\}\}\], accessLogFile: \/dev\/stdout/);
  });

  it('existing Istio whose provider sends elsewhere, or lacks one: errors at the mesh config', () => {
    let { r } = staging((f) => editFile(f, 'service: otel-collector.otel.svc.cluster.local', 'service: jaeger-collector.tracing.svc.cluster.local'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/spec\.istio\.existingMeshConfig: the existing mesh's provider "otel-tracing" sends to jaeger-collector\.tracing\.svc\.cluster\.local:4317, not to the collector tracestack renders/);
    ({ r } = staging((f) => editFile(f, '        - name: otel-tracing', '        - name: zipkin')));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/the mesh Telemetry uses provider "otel-tracing", which meshConfig.extensionProviders does not define/);
  });

  it('workload identity for each backend, never next to a Secret', () => {
    const s3 = staging((f) =>
      editFile(f, /      backend: gcs\n      gcs:\n        bucketName: acme-staging-tempo-traces\n(      #.*\n)?      workloadIdentity:\n        gcpServiceAccount: .*\n/, '      backend: s3\n      s3: { bucket: acme-traces, endpoint: s3.eu-west-1.amazonaws.com, region: eu-west-1 }\n      workloadIdentity:\n        awsRoleArn: arn:aws:iam::123456789012:role/tempo-traces\n'),
    );
    expect(s3.r.code, s3.r.err).toBe(0);
    const t = read(s3.dir, 'out/staging/values/tempo.yaml');
    expect(t.serviceAccount.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/tempo-traces' });
    expect(t.global).toBeUndefined();

    const az = staging((f) =>
      editFile(f, /      backend: gcs\n      gcs:\n        bucketName: acme-staging-tempo-traces\n(      #.*\n)?      workloadIdentity:\n        gcpServiceAccount: .*\n/, '      backend: azure\n      azure: { containerName: traces, storageAccountName: acmetraces }\n      workloadIdentity:\n        azureClientId: 6f1f2b1e-0b7e-4a43-9c57-2f3c1d2e4a5b\n'),
    );
    expect(az.r.code, az.r.err).toBe(0);
    const a = read(az.dir, 'out/staging/values/tempo.yaml');
    expect(a.storage.trace.azure).toEqual({ container_name: 'traces', storage_account_name: 'acmetraces', use_federated_token: true });
    expect(a.global).toEqual({ podLabels: { 'azure.workload.identity/use': 'true' } });
    expect(a.serviceAccount.annotations).toEqual({ 'azure.workload.identity/client-id': '6f1f2b1e-0b7e-4a43-9c57-2f3c1d2e4a5b' });

    const both = staging((f) => editFile(f, '      workloadIdentity:\n', '      credentialsSecret: { name: tempo-gcs }\n      workloadIdentity:\n'));
    expect(both.r.code).toBe(1);
    expect(both.r.err).toMatch(/spec\.tempo\.storage\.workloadIdentity: spec\.tempo\.storage has both credentialsSecret and workloadIdentity/);
    const none = staging((f) => editFile(f, /      workloadIdentity:\n        gcpServiceAccount: .*\n/, ''));
    expect(none.r.code).toBe(1);
    expect(none.r.err).toMatch(/spec\.tempo\.storage needs credentials: an existing Secret \(credentialsSecret\) or the cloud's workload identity/);
    expect(none.r.err).toContain('Set: spec.tempo.storage.workloadIdentity.gcpServiceAccount:');
    const wrong = staging((f) => editFile(f, /gcpServiceAccount: .*\n/, 'awsRoleArn: arn:aws:iam::123456789012:role/tempo-traces\n'));
    expect(wrong.r.code).toBe(1);
    expect(wrong.r.err).toMatch(/workloadIdentity\.awsRoleArn is for another cloud than backend gcs/);
  });

  it('the committed staging output is what generate renders (the golden test covers it) and README documents bring-your-own', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    expect(readme).toContain('## Bring your own');
    expect(readme).toContain('argocd-cm-patch.yaml');
  });
});
