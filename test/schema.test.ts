import { describe, expect, it } from 'vitest';
import { validateInputs } from '../src/pipeline.js';
import type { InputFile } from '../src/load/environments.js';

const defaults: InputFile = {
  path: 'environments/_defaults.yaml',
  text: `apiVersion: tracestack.dev/v1alpha1
kind: EnvironmentDefaults
spec:
  argocd:
    repoURL: https://git.acme.io/x.git
    destination:
      server: https://kubernetes.default.svc
  collector:
    mode: deployment
  prometheus:
    url: http://prometheus.monitoring.svc:9090
`,
};
const env = (body: string, name = 'stage'): InputFile => ({
  path: `environments/${name}.yaml`,
  text: `apiVersion: tracestack.dev/v1alpha1
kind: Environment
metadata:
  name: ${name}
spec:
  tempo:
    storage:
      backend: s3
      credentialsSecret: { name: tempo-s3 }
      s3: { bucket: traces, endpoint: "s3.example.com" }
${body}`,
});
const check = (body: string, name?: string) => validateInputs({ defaults, environments: [env(body, name)] });

describe('environment schema and error mapping', () => {
  it('a valid environment resolves with schema defaults filled in', () => {
    const r = check('');
    expect(r.diagnostics).toEqual([]);
    const spec = r.environments[0].spec;
    expect(spec.istio.samplingPercentage).toBe(1);
    expect(spec.collector.memoryLimiter).toEqual({ limitPercentage: 75, spikeLimitPercentage: 15 });
    expect(spec.tempo.metricsGenerator.processors).toEqual(['service-graphs', 'span-metrics']);
    expect(spec.ingressNginx.enabled).toBe(false);
    expect(spec.argocd.syncPolicy).toEqual({ automated: true, prune: true, selfHeal: true });
  });

  it('an unknown key is reported at the key, with the closest valid name', () => {
    const r = validateInputs({ defaults, environments: [{ path: 'environments/stage.yaml', text: env('').text.replace('  tempo:\n', '  tempo:\n    retenion: 30d\n') }] });
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ file: 'environments/stage.yaml', line: 7, column: 5, path: 'spec.tempo.retenion', code: 'unknown-key', suggestion: 'did you mean "retention"?' });
  });

  it('reports every error at once, sorted by line, each with what was expected', () => {
    const r = check(`  istio:
    samplingPercentage: 150
  collector:
    mode: sidecar
    replicas: two
  prometheus:
    mode: deploy
    url: ftp://nope
`);
    const got = r.diagnostics.map((d) => `${d.line}:${d.column} ${d.path} ${d.code}`);
    expect(got).toEqual([
      '12:25 spec.istio.samplingPercentage range',
      '14:11 spec.collector.mode enum',
      '15:15 spec.collector.replicas type',
      '18:10 spec.prometheus.url pattern',
    ]);
    expect(r.diagnostics[0].message).toBe('must be <= 100; got number 150');
    expect(r.diagnostics[1].message).toMatch(/^expected one of: deployment, daemonset, statefulset; got string "sidecar": a sidecar collector has no Service/);
    expect(r.diagnostics[1].suggestion).toBe('Set: spec.collector.mode: deployment');
    expect(r.environments).toEqual([]);
  });

  it('a value inherited from the defaults file is reported there', () => {
    const r = validateInputs({ defaults: { ...defaults, text: defaults.text.replace('mode: deployment', 'mode: deploymnt') }, environments: [env('')] });
    expect(r.diagnostics.map((d) => [d.file, d.line, d.column, d.suggestion])).toEqual([['environments/_defaults.yaml', 9, 11, 'did you mean "deployment"?']]);
  });

  it('missing required settings name the missing key', () => {
    const r = validateInputs({ defaults, environments: [{ path: 'environments/x.yaml', text: 'apiVersion: tracestack.dev/v1alpha1\nkind: Environment\nmetadata:\n  name: x\nspec:\n  tempo:\n    storage:\n      backend: azure\n      credentialsSecret: {name: s}\n' }] });
    expect(r.diagnostics.map((d) => `${d.path} ${d.code} ${d.line}:${d.column}`)).toEqual(['spec.tempo.storage.azure required 7:5']);
  });

  it('destination must name exactly one of server or name; an environment replaces the default destination', () => {
    const both = check('  argocd:\n    destination: { server: https://a, name: b }\n');
    expect(both.diagnostics.map((d) => d.message)).toEqual(['set exactly one of: server, name']);
    const byName = check('  argocd:\n    destination: { name: prod-cluster }\n');
    expect(byName.diagnostics).toEqual([]);
    expect(byName.environments[0].spec.argocd.destination).toEqual({ name: 'prod-cluster' });
  });

  it('metadata.name must match the file name and be a DNS label', () => {
    const r = validateInputs({ defaults, environments: [{ ...env(''), path: 'environments/other.yaml' }] });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['name-mismatch']);
    const bad = validateInputs({ defaults, environments: [env('', '../evil')] });
    expect(bad.diagnostics.some((d) => d.path === 'metadata.name' && d.code === 'pattern')).toBe(true);
  });

  it('duplicate keys are errors, not last-wins', () => {
    const r = check('  istio:\n    samplingPercentage: 1\n    samplingPercentage: 2\n');
    expect(r.diagnostics.map((d) => `${d.code} ${d.line}`)).toEqual(['duplicate-key 13']);
  });

  it('credentials have no place in the schema: a literal key is an unknown key', () => {
    const r = validateInputs({ defaults, environments: [{ path: 'environments/stage.yaml', text: env('').text.replace('bucket: traces,', 'bucket: traces, secret_key: abc,') }] });
    // and the whole-file scan says it is a credential (it would be committed with the file either way)
    expect(r.diagnostics.map((d) => `${d.path} ${d.code}`).sort()).toEqual(['spec.tempo.storage.s3.secret_key secret', 'spec.tempo.storage.s3.secret_key unknown-key']);
  });
});
