import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-ignore -- plain ESM shared with scripts/otelcol/build.mjs (tests are not type-checked by tsconfig.json)
import { MANIFEST, otelcolBinary } from '../scripts/otelcol/paths.mjs';
import { collectorEnv } from './helpers/collector-env.js';
import { kustomizeBuild } from './helpers/kustomize.js';
import { REPO, runCli, scratchRepo, yamlDocs } from './helpers/repo.js';

/**
 * A real OpenTelemetry Collector (0.158, built by `npm run otelcol:build` from scripts/otelcol/builder-config.yaml)
 * runs `otelcol validate` on every collector config tracestack renders, as Argo CD would apply it: after
 * `kubectl kustomize` has applied the environment's overlay to out/base. `validate` decodes every component's config
 * strictly (an unknown or misspelt field is an error), builds the pipelines and checks their references.
 */

/**
 * Environments beside the examples (environments/*.yaml: dev has the debug exporter, prod and staging the defaults,
 * teams-demo two teams): every collector option that changes the config, with values other than the defaults.
 */
const TEST_ENVIRONMENTS: Record<string, string> = {
  // teams (k8s_attributes, resource, routing, one exporter per tenant) together with the debug exporter,
  // every tunable changed, a millisecond batch timeout, another name and namespace, daemonset mode
  'otelcol-teams-debug': `apiVersion: tracestack.dev/v1alpha1
kind: Environment
metadata:
  name: otelcol-teams-debug
spec:
  collector:
    name: traces
    namespace: observability
    mode: daemonset
    debugExporter: true
    memoryLimiter: { limitPercentage: 80, spikeLimitPercentage: 20 }
    batch: { sendBatchSize: 1024, timeout: 500ms }
    sendingQueue: { queueSize: 10000, numConsumers: 20 }
  tempo:
    storage:
      backend: s3
      credentialsSecret: { name: tempo-s3 }
      s3: { bucket: traces, endpoint: "s3.example.com" }
  teams:
    - name: shop
      namespaces: [shop, shop-web, shop-admin]
    - name: payments
      namespaces: [payments]
    - name: search
      namespaces: [search]
`,
  // a single team, statefulset, minute batch timeout, no debug exporter
  'otelcol-one-team': `apiVersion: tracestack.dev/v1alpha1
kind: Environment
metadata:
  name: otelcol-one-team
spec:
  collector:
    mode: statefulset
    replicas: 3
    batch: { timeout: 1m }
  tempo:
    storage:
      backend: s3
      credentialsSecret: { name: tempo-s3 }
      s3: { bucket: traces, endpoint: "s3.example.com" }
  teams:
    - name: checkout
      namespaces: [checkout]
`,
  // tail sampling: tier 1 (loadbalancing) and tier 2 (tail_sampling, spanmetrics, servicegraph, prometheusremotewrite,
  // the tenant routing), two teams one with its own baseline, debug exporter in tier 1
  'otelcol-sampling': `apiVersion: tracestack.dev/v1alpha1
kind: Environment
metadata:
  name: otelcol-sampling
spec:
  istio:
    samplingPercentage: 100
  instrumentation:
    namespaces: []
    sampler: { type: parentbased_always_on }
  collector:
    debugExporter: true
  tempo:
    storage:
      backend: s3
      credentialsSecret: { name: tempo-s3 }
      s3: { bucket: traces, endpoint: "s3.example.com" }
  teams:
    - name: shop
      namespaces: [shop]
    - name: payments
      namespaces: [payments]
  sampling:
    mode: tail
    decisionWait: 45s
    policies: { latencyThreshold: 1500ms, baselinePercent: 2.5 }
    teams:
      payments: { baselinePercent: 25 }
`,
  // tail sampling without teams: tier 2 exports straight to Tempo (no routing), remote write to a rendered Prometheus
  'otelcol-sampling-plain': `apiVersion: tracestack.dev/v1alpha1
kind: Environment
metadata:
  name: otelcol-sampling-plain
spec:
  istio:
    samplingPercentage: 100
  instrumentation:
    sampler: { type: always_on }
  prometheus:
    mode: deploy
  tempo:
    storage:
      backend: s3
      credentialsSecret: { name: tempo-s3 }
      s3: { bucket: traces, endpoint: "s3.example.com" }
  sampling:
    mode: tail
    policies: { errors: false, dropHealthChecks: false }
`,
};
/** Every example environment of the repository (environments/<name>.yaml; _defaults.yaml and other _ files are not). */
const EXAMPLES = readdirSync(join(REPO, 'environments'))
  .filter((f) => f.endsWith('.yaml') && !f.startsWith('_'))
  .map((f) => f.slice(0, -'.yaml'.length));

interface Rendered {
  /** env/overlay folder, e.g. teams-demo/collector */
  where: string;
  config: Record<string, any>;
  /** the container environment the operator would give it (spec.env, POD_NAME): `${env:...}` in config resolves from it */
  env: Record<string, string>;
}

const binary: string = otelcolBinary();
const validate = (config: unknown, env: Record<string, string> = {}): { code: number | null; err: string } => {
  const file = join(mkdtempSync(join(tmpdir(), 'otelcol-')), 'config.yaml');
  writeFileSync(file, stringify(config));
  const r = spawnSync(binary, ['validate', `--config=${file}`], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, err: `${r.stderr}${r.stdout}` };
};
/** Component types a config names: the part of each id before '/' (otlp_grpc/shop -> otlp_grpc). */
const componentTypes = (config: Record<string, any>) =>
  ['receivers', 'processors', 'exporters', 'connectors', 'extensions'].flatMap((kind) =>
    Object.keys(config[kind] ?? {}).map((id) => `${kind}:${id.split('/')[0]}`),
  );

let found: Rendered[] = [];
let setupError: unknown;
/**
 * The rendered configs; throws when there are none. No skip: without the collector every test here fails (a failed
 * beforeAll would only mark them skipped). CI builds it in .ci/run; locally the vitest globalSetup does, with Go.
 */
const configs = (): Rendered[] => {
  if (setupError) throw setupError;
  return found;
};

beforeAll(() => {
  try {
    found = renderAll();
  } catch (e) {
    setupError = e;
  }
}, 600_000);

function renderAll(): Rendered[] {
  if (!existsSync(binary)) {
    throw new Error(`no collector at ${binary}: run \`npm run otelcol:build\` (needs Go and the Go module proxy; manifest ${MANIFEST})`);
  }
  const dir = scratchRepo(false);
  for (const [name, text] of Object.entries(TEST_ENVIRONMENTS)) writeFileSync(join(dir, 'environments', `${name}.yaml`), text);
  const r = runCli(dir, ['generate']);
  if (r.code !== 0) throw new Error(`generate failed (${r.code}):\n${r.err}`);
  const rendered: Rendered[] = [];
  for (const env of readdirSync(join(dir, 'out')).filter((e) => e !== 'base' && e !== 'fleet').sort()) {
    const kustomize = join(dir, 'out', env, 'kustomize');
    if (!existsSync(kustomize)) continue;
    for (const overlay of readdirSync(kustomize).sort()) {
      if (!existsSync(join(kustomize, overlay, 'kustomization.yaml'))) continue;
      for (const obj of kustomizeBuild(join(kustomize, overlay))) {
        if (obj.kind === 'OpenTelemetryCollector') {
          const podEnv = collectorEnv(obj.spec, { name: `${obj.metadata.name}-collector-0`, namespace: obj.metadata.namespace ?? 'default' });
          rendered.push({ where: `${env}/${overlay}`, config: obj.spec.config, env: podEnv });
        }
      }
    }
  }
  return rendered;
}

describe('a real collector (otelcol 0.158 validate) accepts every rendered collector config', () => {
  it('renders one collector per environment, examples and test environments alike, in its collector overlay', () => {
    expect(configs().map((r) => r.where).sort()).toEqual([...[...EXAMPLES, ...Object.keys(TEST_ENVIRONMENTS)].map((e) => `${e}/collector`), 'otelcol-sampling/collector-sampler', 'otelcol-sampling-plain/collector-sampler', 'tempo3-demo/collector-sampler'].sort());
  });

  it('the configs cover every variant: teams with and without the debug exporter, the debug exporter alone, neither', () => {
    const has = (r: Rendered, type: string) => componentTypes(r.config).includes(type);
    const variants = new Set(configs().map((r) => `${has(r, 'connectors:routing')}/${has(r, 'exporters:debug')}`));
    expect([...variants].sort()).toEqual(['false/false', 'false/true', 'true/false', 'true/true']);
  });

  it('every config passes `otelcol validate`', () => {
    const failures = configs().map((r) => ({ where: r.where, ...validate(r.config, r.env) })).filter((v) => v.code !== 0);
    expect(failures.map((f) => `${f.where} (exit ${f.code}): ${f.err}`)).toEqual([]);
    expect(configs().length).toBeGreaterThanOrEqual(EXAMPLES.length + 2);
  });

  it('the collector is built with exactly the component types the rendered configs use (a new component must be added to the manifest)', () => {
    const r = spawnSync(binary, ['components'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const built = yamlDocs(r.stdout)[0] as Record<string, Array<{ name: string }> | null>;
    const builtTypes = ['receivers', 'processors', 'exporters', 'connectors', 'extensions'].flatMap((kind) =>
      (built[kind] ?? []).map((c) => `${kind}:${c.name}`),
    );
    const used = [...new Set(configs().flatMap((x) => componentTypes(x.config)))].sort();
    expect(used.filter((t) => !builtTypes.includes(t))).toEqual([]); // rendered but not built: validate cannot check it
    expect(builtTypes.filter((t) => !used.includes(t))).toEqual([]); // built but never rendered: not "exactly"
    expect(String(built.buildinfo ? JSON.stringify(built.buildinfo) : '')).toContain('0.158.0');
  });
});

describe('otelcol validate fails on a broken config (so the check above can fail)', () => {
  const teamsConfig = () => structuredClone(configs().find((r) => r.where === 'teams-demo/collector')!.config);

  it('a misspelt batch processor field', () => {
    const config = teamsConfig();
    config.processors.batch.send_batch_sise = config.processors.batch.send_batch_size;
    delete config.processors.batch.send_batch_size;
    const r = validate(config);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('send_batch_sise');
  });

  it('a misspelt k8s_attributes field', () => {
    const config = teamsConfig();
    config.processors.k8s_attributes.wait_for_metadata_timout = '30s';
    const r = validate(config);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('wait_for_metadata_timout');
  });

  it('a routing table row that names a pipeline the service does not have', () => {
    const config = teamsConfig();
    config.connectors.routing.table[0].pipelines = ['traces/nobody'];
    const r = validate(config);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('traces/nobody');
  });

  it('a processor type no built component registers (k8sattribute, a misspelt k8s_attributes)', () => {
    const config = teamsConfig();
    config.processors.k8sattribute = config.processors.k8s_attributes;
    delete config.processors.k8s_attributes;
    config.service.pipelines.traces.processors = config.service.pipelines.traces.processors.map((p: string) => (p === 'k8s_attributes' ? 'k8sattribute' : p));
    const r = validate(config);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('k8sattribute');
  });
});

describe("tier 2's per-pod metrics label comes from the pod's environment", () => {
  it('the sampler config resolves ${env:POD_NAME} (operator env) and refuses to start without it, rather than sending unlabelled series', () => {
    const sampler = configs().find((r) => r.where === 'tempo3-demo/collector-sampler')!;
    expect(sampler.env.POD_NAME).toBe('otel-sampler-collector-0');
    expect(validate(sampler.config, sampler.env).code).toBe(0);
    const r = validate(sampler.config, { POD_NAME: '' });
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('attributes/sampler-pod');
  });
});
