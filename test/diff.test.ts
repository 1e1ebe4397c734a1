import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReport, renderText } from '../src/diff/report.js';
import { REDACTED_CHANGED, redactSecretPair } from '../src/diff/redact.js';
import { specChanges } from '../src/diff/spec.js';
import { readInputs } from '../src/cli/io.js';
import { validateInputs } from '../src/pipeline.js';
import { REPO, scratchRepo, runCli, editFile } from './helpers/repo.js';
import { gitScratchRepo } from './helpers/git.js';

const run = (cwd: string, ...args: string[]) => runCli(cwd, args);
const edit = editFile;
const gitRepo = gitScratchRepo;

describe('tracestack diff', () => {
  it('a sampling change in prod: exit 1, only prod files, and the markdown names the field with old -> new; after generate: exit 0, no output', () => {
    const dir = gitRepo();
    edit(join(dir, 'environments/prod.yaml'), 'samplingPercentage: 5', 'samplingPercentage: 7.5');
    const r = run(dir, 'diff');
    expect(r.code).toBe(1);
    const headers = r.out.split('\n').filter((l) => /^(\+\+\+|---) /.test(l));
    expect(headers).toEqual(['--- a/out/prod/kustomize/istio-telemetry/kustomization.yaml', '+++ b/out/prod/kustomize/istio-telemetry/kustomization.yaml']);
    expect(r.out).toContain('-            randomSamplingPercentage: 5\n+            randomSamplingPercentage: 7.5');
    expect(r.out).toContain('prod/istio-telemetry: 0 added, 1 changed, 0 removed');
    expect(r.out).not.toContain('\x1b[');

    const md = run(dir, 'diff', '--summary', 'markdown');
    expect(md.code).toBe(1);
    expect(md.out).toContain('## prod: spec.istio.samplingPercentage 5 -> 7.5');
    expect(md.out).toMatch(/\| `spec\.istio\.samplingPercentage` \| `5` \| `7\.5` \| Percentage of requests/);
    expect(md.out).not.toContain('### dev');

    expect(run(dir, 'generate').code).toBe(0);
    const after = run(dir, 'diff');
    expect(after).toEqual({ code: 0, out: '', err: '' });
  });

  it('--format json: files, per-component objects and spec changes for tools', () => {
    const dir = gitRepo();
    edit(join(dir, 'environments/_defaults.yaml'), 'lokiUrl: http://loki-gateway.loki.svc', 'lokiUrl: http://loki.logs.svc');
    edit(join(dir, 'environments/prod.yaml'), 'replicas: 3\n    sampler', 'replicas: 2\n    sampler');
    const r = run(dir, 'diff', '--format', 'json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j.changed).toBe(true);
    // A change to the shared defaults reaches every environment that does not override the field.
    expect(j.spec).toEqual([
      { env: 'ambient-demo', path: 'spec.grafana.lokiUrl', old: '"http://loki-gateway.loki.svc"', new: '"http://loki.logs.svc"' },
      { env: 'dev', path: 'spec.grafana.lokiUrl', old: '"http://loki-gateway.loki.svc"', new: '"http://loki.logs.svc"' },
      { env: 'prod', path: 'spec.grafana.lokiUrl', old: '"http://loki-gateway.loki.svc"', new: '"http://loki.logs.svc"' },
      { env: 'prod', path: 'spec.ingressNginx.replicas', old: '3', new: '2' },
      { env: 'staging', path: 'spec.grafana.lokiUrl', old: '"http://loki-gateway.loki.svc"', new: '"http://loki.logs.svc"' },
      { env: 'teams-demo', path: 'spec.grafana.lokiUrl', old: '"http://loki-gateway.loki.svc"', new: '"http://loki.logs.svc"' },
      { env: 'tempo3-demo', path: 'spec.grafana.lokiUrl', old: '"http://loki-gateway.loki.svc"', new: '"http://loki.logs.svc"' },
      { env: 'tempo3-migration', path: 'spec.grafana.lokiUrl', old: '"http://loki-gateway.loki.svc"', new: '"http://loki.logs.svc"' },
    ]);
    expect(j.objects).toEqual([
      { env: 'ambient-demo', component: 'grafana', added: [], changed: ['HelmRelease/grafana (values)'], removed: [] },
      { env: 'dev', component: 'grafana', added: [], changed: ['HelmRelease/grafana (values)'], removed: [] },
      { env: 'prod', component: 'grafana', added: [], changed: ['HelmRelease/grafana (values)'], removed: [] },
      { env: 'prod', component: 'ingress-nginx', added: [], changed: ['HelmRelease/ingress-nginx (values)'], removed: [] },
      { env: 'staging', component: 'grafana', added: [], changed: ['HelmRelease/grafana (values)'], removed: [] },
      { env: 'teams-demo', component: 'grafana', added: [], changed: ['HelmRelease/grafana (values)'], removed: [] },
      { env: 'tempo3-demo', component: 'grafana', added: [], changed: ['HelmRelease/grafana (values)'], removed: [] },
      { env: 'tempo3-migration', component: 'grafana', added: [], changed: ['HelmRelease/grafana (values)'], removed: [] },
    ]);
    expect(j.files.map((f: any) => f.file)).toEqual(['ambient-demo/values/grafana.yaml', 'dev/values/grafana.yaml', 'prod/values/grafana.yaml', 'prod/values/ingress-nginx.yaml', 'staging/values/grafana.yaml', 'teams-demo/values/grafana.yaml', 'tempo3-demo/values/grafana.yaml', 'tempo3-migration/values/grafana.yaml']);
  });

  it('--env limits the comparison to the named environments', () => {
    const dir = gitRepo();
    edit(join(dir, 'environments/prod.yaml'), 'samplingPercentage: 5', 'samplingPercentage: 7.5');
    expect(run(dir, 'diff', '--env', 'dev')).toEqual({ code: 0, out: '', err: '' });
    expect(run(dir, 'diff', '--env', 'prod').code).toBe(1);
  });

  it('a new environment and a removed one show as added and removed objects', () => {
    const dir = gitRepo();
    writeFileSync(join(dir, 'environments/stage.yaml'), readFileSync(join(dir, 'environments/dev.yaml'), 'utf8').replace('name: dev', 'name: stage'));
    const j = JSON.parse(run(dir, 'diff', '--format', 'json').out);
    expect(j.spec).toEqual([{ env: 'stage', path: '', new: 'present' }]);
    const stage = j.objects.filter((o: any) => o.env === 'stage');
    expect(stage.every((o: any) => o.changed.length === 0 && o.removed.length === 0 && o.added.length > 0)).toBe(true);
    expect(stage.map((o: any) => o.component)).toContain('istio-telemetry');
    expect(j.files.every((f: any) => f.kind === 'missing' || f.file === '.tracestack/manifest.json')).toBe(true);
  });

  it('outside a git repository the diff still works and says the old values are unknown', () => {
    const dir = scratchRepo();
    edit(join(dir, 'environments/prod.yaml'), 'samplingPercentage: 5', 'samplingPercentage: 7.5');
    const md = run(dir, 'diff', '--summary', 'markdown');
    expect(md.code).toBe(1);
    expect(md.out).toContain('not a git repository');
    expect(md.out).toContain('Telemetry/mesh-default');
  });

  it('colours only when asked: + green, - red, hunk headers cyan', () => {
    const report = buildReport({ outPath: 'out', changes: [{ file: 'dev/values/x.yaml', kind: 'different' }], onDisk: () => 'a: 1\n', planned: new Map([['dev/values/x.yaml', 'a: 2\n']]), spec: [], baseline: 'git HEAD' });
    expect(renderText(report, true)).toContain('\x1b[32m+a: 2\x1b[0m');
    expect(renderText(report, true)).toContain('\x1b[31m-a: 1\x1b[0m');
    expect(renderText(report, false)).not.toContain('\x1b[');
  });
});

describe('values under Secret references are never printed', () => {
  const secret = (v: string) => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: s3\nstringData:\n  AWS_SECRET_ACCESS_KEY: ${v}\n  AWS_ACCESS_KEY_ID: same-id\n`;

  it('a changed Secret value shows as changed, never as its value, in the patch', () => {
    const report = buildReport({ outPath: 'out', changes: [{ file: 'dev/kustomize/x/secret.yaml', kind: 'different' }], onDisk: () => secret('old-hunter2'), planned: new Map([['dev/kustomize/x/secret.yaml', secret('new-hunter3')]]), spec: [], baseline: 'git HEAD' });
    const patch = report.files[0].patch;
    expect(patch).not.toMatch(/hunter|same-id/);
    expect(patch).toContain(`+  AWS_SECRET_ACCESS_KEY: ${REDACTED_CHANGED}`);
    expect(patch).toContain(' AWS_ACCESS_KEY_ID: <redacted>\n');
    expect(report.objects[0].changed).toEqual(['Secret/s3']);
  });

  it('text without a Secret passes through byte for byte', () => {
    const text = readFileSync(join(REPO, 'out/prod/values/tempo3.yaml'), 'utf8');
    expect(redactSecretPair(text, text)).toEqual([text, text]);
  });

  it('secret-looking keys in pass-through Helm values are redacted in spec changes; other fields are not', () => {
    const { environments } = validateInputs(readInputs(REPO));
    const next = structuredClone(environments);
    const prod = next.find((e) => e.metadata.name === 'prod')!;
    prod.spec.grafana.values = { adminPassword: 'hunter2', replicas: 2 };
    const changes = specChanges(environments, next);
    expect(changes).toEqual([
      { env: 'prod', path: 'spec.grafana.values.adminPassword', old: undefined, new: '<redacted>' },
      { env: 'prod', path: 'spec.grafana.values.replicas', old: undefined, new: '2' },
    ]);
  });
});
