import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { crdSchemas, isCrd, strictSchema } from '../src/verify/crd.js';
import { builtinSchemas } from '../src/verify/openapi.js';
import { UpstreamValidators, verifyObjects } from '../src/verify/upstream.js';
import { RENDERED_GROUPS } from '../src/cli/commands/schemas.js';
import { Ajv } from 'ajv';
import { REPO, renderExamples, runCli } from './helpers/repo.js';
import { upstreamDir } from './helpers/upstream.js';

/** The raw CRD files (verbatim upstream copies), not the derived schemas. */
const crdDir = () => join(upstreamDir(), 'crds');
/** Kubernetes' own OpenAPI v3 documents (verbatim copies): the schemas of built-in kinds. */
const openapiDir = () => join(upstreamDir(), 'k8s-openapi/v1.35.0');
const BUILTIN_KINDS = ['networking.k8s.io/v1/NetworkPolicy', 'rbac.authorization.k8s.io/v1/ClusterRole', 'rbac.authorization.k8s.io/v1/ClusterRoleBinding', 'rbac.authorization.k8s.io/v1/Role', 'rbac.authorization.k8s.io/v1/RoleBinding', 'v1/Namespace', 'v1/ServiceAccount'];
const walk = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
const rawCrds = () => walk(crdDir()).flatMap((f) => parseAllDocuments(readFileSync(f, 'utf8')).map((d) => d.toJS())).filter(isCrd);

/** Kinds of custom resources the examples render (every one must be checked when the CRDs are given). */
const CUSTOM_KINDS = ['argoproj.io/v1alpha1/AppProject', 'argoproj.io/v1alpha1/Application', 'gateway.networking.k8s.io/v1/Gateway', 'kafka.strimzi.io/v1/Kafka', 'kafka.strimzi.io/v1/KafkaNodePool', 'kafka.strimzi.io/v1/KafkaTopic', 'opentelemetry.io/v1alpha1/Instrumentation', 'opentelemetry.io/v1beta1/OpenTelemetryCollector', 'telemetry.istio.io/v1/Telemetry'];

describe('CRD -> strict schema conversion', () => {
  it('reproduces every derived strict schema of ../shared/upstream byte for byte, from the raw CRD files', () => {
    const mine = new Map(rawCrds().flatMap((c) => crdSchemas(c)).map((s) => [s.file, s]));
    const index = JSON.parse(readFileSync(join(upstreamDir(), 'crd-schemas/index.json'), 'utf8')) as Array<Record<string, unknown>>;
    expect(index.length).toBeGreaterThan(30);
    for (const e of index) {
      const s = mine.get(String(e.file));
      expect(s, String(e.file)).toBeDefined();
      expect({ apiVersion: s!.apiVersion, kind: s!.kind, crd: s!.crd, served: s!.served, storage: s!.storage, deprecated: s!.deprecated, addedKeys: s!.addedKeys }).toEqual({
        apiVersion: e.apiVersion,
        kind: e.kind,
        crd: e.crd,
        served: e.served,
        storage: e.storage,
        deprecated: e.deprecated,
        addedKeys: e.addedKeys,
      });
      expect(JSON.stringify(s!.strict, null, 1) + '\n', String(e.file)).toBe(readFileSync(join(upstreamDir(), 'crd-schemas/strict', String(e.file)), 'utf8'));
    }
    expect(mine.size).toBe(index.length);
  });

  it('int-or-string without anyOf accepts integers and strings only; an embedded resource keeps apiVersion, kind and metadata; preserve-unknown-fields stays open', () => {
    const schema = strictSchema({
      type: 'object',
      properties: {
        port: { 'x-kubernetes-int-or-string': true },
        template: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object', properties: { a: { type: 'string' } } } } },
        config: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'string' } } },
      },
    });
    const v = new Ajv({ strict: false }).compile(schema);
    expect(v({ port: 4317 })).toBe(true);
    expect(v({ port: 'otlp-grpc' })).toBe(true);
    expect(v({ port: true })).toBe(false);
    expect(v({ template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { a: 'b' } } })).toBe(true);
    expect(v({ template: { spec: { a: 'b', typo: 1 } } })).toBe(false);
    expect(v({ config: { known: 'x', anything: { at: 'all' } } })).toBe(true);
    expect(v({ porrt: 1 })).toBe(false);
  });

  it('reproduces every derived Kubernetes 1.35 schema of ../shared/upstream (k8s-schemas/v1.35_*) byte for byte, from the raw OpenAPI documents', () => {
    const mine = new Map<string, string>();
    for (const f of readdirSync(openapiDir())) {
      for (const s of builtinSchemas(JSON.parse(readFileSync(join(openapiDir(), f), 'utf8')), () => true)) mine.set(s.file, JSON.stringify(s.strict, null, 1) + '\n');
    }
    const derived = readdirSync(join(upstreamDir(), 'k8s-schemas')).filter((f) => f.startsWith('v1.35_'));
    expect(derived.length).toBeGreaterThan(10);
    for (const f of derived) expect(mine.get(f.replace(/^v1\.35_/, '')), f).toBe(readFileSync(join(upstreamDir(), 'k8s-schemas', f), 'utf8'));
  });

  it('every custom resource group the examples render is one `tracestack schemas` keeps by default', () => {
    const groups = new Set(CUSTOM_KINDS.map((k) => k.split('/')[0]));
    for (const g of groups) expect(RENDERED_GROUPS).toContain(g);
  });
});

describe('the built-in kinds against ../shared/upstream k8s-schemas (Kubernetes 1.35), by default', () => {
  it('every built-in kind tracestack renders has a strict schema there, and a misspelt field is refused', () => {
    const v = new UpstreamValidators(upstreamDir(), mkdtempSync(join(tmpdir(), 'tracestack-cache-')));
    for (const k of BUILTIN_KINDS) expect(v.kinds(), k).toContain(k);
    const tree = renderExamples();
    const role = parse(tree.get('base/collector-loadbalancing-rbac/role-otel-collector-loadbalancing.yaml')!);
    expect(verifyObjects(new Map(), [{ file: 'base/collector-loadbalancing-rbac', object: role }], v, 'out')).toEqual([]);
    role.rules[0].verb = role.rules[0].verbs;
    const problems = verifyObjects(new Map(), [{ file: 'base/collector-loadbalancing-rbac', object: role }], v, 'out');
    expect(problems.map((p) => [p.code, p.path])).toEqual([['upstream-schema', `Role/${role.metadata.name}.rules.0.verb`]]);
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', lables: { a: 'b' } } };
    expect(verifyObjects(new Map(), [{ file: 'x', object: ns }], v, 'out').map((p) => p.path)).toEqual(['Namespace/shop.metadata.lables']);
  });
});

describe('tracestack schemas in a GitOps repository that is not this one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tracestack-schemas-'));
  // the examples (dev, prod, teams-demo) render every kind tracestack has; ../shared/upstream is not beside this folder
  cpSync(join(REPO, 'environments'), join(dir, 'environments'), { recursive: true });
  const before = runCli(dir, ['generate']);
  const built = runCli(dir, ['schemas', '--from', crdDir(), openapiDir()]);
  const after = runCli(dir, ['generate', '--check']);

  it('without schemas, generate says which kinds were not checked', () => {
    expect(before.code, before.err).toBe(0);
    const line = before.err.split('\n').find((l) => l.startsWith('note: not checked against CRD schemas (no CRD schemas found): '))!;
    expect(line).toBeDefined();
    for (const k of [...CUSTOM_KINDS, 'v1/Namespace', 'rbac.authorization.k8s.io/v1/ClusterRole']) expect(line).toContain(k);
    expect(before.err).not.toContain('note: checked');
  });

  it('`schemas --from DIR...` writes strict schemas into .tracestack/schemas, and generate checks every object it renders against them and says so', () => {
    expect(built.code, built.err).toBe(0);
    expect(built.out).toContain('wrote 28 strict schemas into ');
    expect(built.out).toContain('  v1/Namespace (built-in)\n');
    expect(built.out).toContain('skipped 8 CRDs of groups tracestack does not render (--all keeps them)');
    const index = JSON.parse(readFileSync(join(dir, '.tracestack/schemas/crd-schemas/index.json'), 'utf8'));
    expect(index.map((e: { apiVersion: string; kind: string }) => `${e.apiVersion}/${e.kind}`).sort()).toEqual(
      [...CUSTOM_KINDS, ...BUILTIN_KINDS, 'argoproj.io/v1alpha1/ApplicationSet', 'kafka.strimzi.io/v1/KafkaUser', 'opentelemetry.io/v1alpha1/OpenTelemetryCollector', 'telemetry.istio.io/v1alpha1/Telemetry',
        // the Gateway API standard channel v1.6.1 (Gateway is rendered; the rest of the group comes with it)
        'gateway.networking.k8s.io/v1beta1/Gateway', 'gateway.networking.k8s.io/v1/GatewayClass', 'gateway.networking.k8s.io/v1beta1/GatewayClass', 'gateway.networking.k8s.io/v1/GRPCRoute',
        'gateway.networking.k8s.io/v1/HTTPRoute', 'gateway.networking.k8s.io/v1beta1/HTTPRoute', 'gateway.networking.k8s.io/v1/ReferenceGrant', 'gateway.networking.k8s.io/v1beta1/ReferenceGrant'].sort(),
    );
    expect(index.find((e: { kind: string }) => e.kind === 'Telemetry').source).toBe('telemetry.istio.io/telemetries.yaml');
    expect(index.find((e: { kind: string }) => e.kind === 'Namespace').source).toBe('api__v1_openapi.json');
    expect(after.code, after.err).toBe(0);
    const notes = after.err.split('\n').filter((l) => l.startsWith('note: '));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(new RegExp(`^note: checked \\d+ objects against strict CRD schemas from ${join(dir, '.tracestack/schemas')} \\(written by \`tracestack schemas\` into \\.tracestack/schemas\\): `));
    for (const k of [...CUSTOM_KINDS, ...BUILTIN_KINDS]) expect(notes[0]).toContain(k);
    expect(after.err).not.toContain('not checked');
  });

  it('with CRDs only, the built-in kinds are named as not checked', () => {
    const other = mkdtempSync(join(tmpdir(), 'tracestack-schemas-'));
    cpSync(join(REPO, 'environments'), join(other, 'environments'), { recursive: true });
    expect(runCli(other, ['schemas', '--from', crdDir()]).code).toBe(0);
    const r = runCli(other, ['generate']);
    expect(r.code, r.err).toBe(0);
    const unchecked = r.err.split('\n').find((l) => l.startsWith('note: not checked'))!;
    expect(unchecked.replace(/;.*/, '')).toBe(`note: not checked against CRD schemas (no schema for them in ${join(other, '.tracestack/schemas')}): ${BUILTIN_KINDS.join(', ')}`);
  });

  it('doctor says which schemas are used, which kinds generate checks and which it does not', () => {
    const doc = runCli(dir, ['doctor']);
    expect(doc.code, doc.err).toBe(0);
    expect(doc.out).toContain(`CRD schemas: ${join(dir, '.tracestack/schemas')} (written by \`tracestack schemas\` into .tracestack/schemas)`);
    expect(doc.out).toContain(`checked by generate: ${[...CUSTOM_KINDS, ...BUILTIN_KINDS].sort().join(', ')}`);
    expect(doc.out).toContain('not checked (no schema): none');
  });

  it('the schemas are strict: an unknown field in a rendered object is refused with the kind and the path', () => {
    const v = new UpstreamValidators(join(dir, '.tracestack/schemas'), mkdtempSync(join(tmpdir(), 'tracestack-cache-')));
    const tree = renderExamples();
    const collector = parse(tree.get('base/collector/opentelemetrycollector-otel.yaml')!);
    expect(verifyObjects(new Map(), [{ file: 'base/collector', object: collector }], v, 'out')).toEqual([]);
    // config is x-kubernetes-preserve-unknown-fields: any collector configuration passes
    collector.spec.config.extensions = { ...(collector.spec.config.extensions ?? {}), anything: { goes: true } };
    expect(verifyObjects(new Map(), [{ file: 'base/collector', object: collector }], v, 'out')).toEqual([]);
    collector.spec.replicass = 2;
    const app = parse(tree.get('dev/argocd/apps/collector.yaml')!);
    app.spec.syncPolicy.automated.prun = true;
    const problems = verifyObjects(
      new Map(),
      [
        { file: 'base/collector', object: collector },
        { file: 'dev/argocd/apps', object: app },
      ],
      v,
      'out',
    );
    expect(problems.map((p) => [p.code, p.path])).toEqual([
      ['upstream-schema', `OpenTelemetryCollector/${collector.metadata.name}.spec.replicass`],
      ['upstream-schema', `Application/${app.metadata.name}.spec.syncPolicy.automated.prun`],
    ]);
    expect(problems[0].message).toContain('opentelemetry.io/v1beta1 OpenTelemetryCollector does not match the upstream schema: must NOT have additional properties (replicass)');
  });
});

describe('tracestack schemas --from-cluster', () => {
  /**
   * A stand-in kubectl on PATH: `get crd -o json` answers the raw CRDs as a List, `get --raw /openapi/v3/<path>` the
   * Kubernetes OpenAPI document of that path (or fails, with failOpenApi); every call's arguments are recorded.
   */
  function fakeKubectl(fail = false, failOpenApi = false): { env: Record<string, string>; calls: string } {
    const bin = mkdtempSync(join(tmpdir(), 'tracestack-kubectl-'));
    const list = join(bin, 'crds.json');
    writeFileSync(list, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: rawCrds() }));
    const calls = join(bin, 'calls');
    const raw = failOpenApi
      ? `echo 'Error from server (NotFound): the server could not find the requested resource' >&2; exit 1`
      : `case "$3" in /openapi/v3/api/v1) cat '${join(openapiDir(), 'api__v1_openapi.json')}';; /openapi/v3/apis/rbac.authorization.k8s.io/v1) cat '${join(openapiDir(), 'apis__rbac.authorization.k8s.io__v1_openapi.json')}';; /openapi/v3/apis/networking.k8s.io/v1) cat '${join(openapiDir(), 'apis__networking.k8s.io__v1_openapi.json')}';; *) exit 1;; esac`;
    const script = fail
      ? `#!/bin/sh\necho 'error: You must be logged in to the server (Unauthorized)' >&2\nexit 1\n`
      : `#!/bin/sh\necho "$@" >> '${calls}'\nif [ "$2" = "--raw" ]; then ${raw}; else cat '${list}'; fi\n`;
    writeFileSync(join(bin, 'kubectl'), script);
    chmodSync(join(bin, 'kubectl'), 0o755);
    return { env: { PATH: `${bin}:${process.env.PATH}` }, calls };
  }

  it('reads the cluster CRDs with kubectl get crd -o json and writes the same schemas as --from DIR', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracestack-cluster-'));
    mkdirSync(join(dir, 'environments'));
    const k = fakeKubectl();
    const r = runCli(dir, ['schemas', '--from-cluster', '--context', 'prod-eu'], k.env);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(k.calls, 'utf8').trim().split('\n')).toEqual([
      'get customresourcedefinitions.apiextensions.k8s.io -o json --context prod-eu',
      'get --raw /openapi/v3/api/v1 --context prod-eu',
      'get --raw /openapi/v3/apis/rbac.authorization.k8s.io/v1 --context prod-eu',
      'get --raw /openapi/v3/apis/networking.k8s.io/v1 --context prod-eu',
    ]);
    expect(r.out).toContain('wrote 28 strict schemas into .tracestack/schemas/ from the cluster');
    const fromDir = mkdtempSync(join(tmpdir(), 'tracestack-cluster-'));
    expect(runCli(fromDir, ['schemas', '--from', crdDir(), openapiDir()]).code).toBe(0);
    const strict = join(dir, '.tracestack/schemas/crd-schemas/strict');
    expect(readdirSync(strict).sort()).toEqual(readdirSync(join(fromDir, '.tracestack/schemas/crd-schemas/strict')).sort());
    for (const f of readdirSync(strict)) expect(readFileSync(join(strict, f), 'utf8')).toBe(readFileSync(join(fromDir, '.tracestack/schemas/crd-schemas/strict', f), 'utf8'));
    const all = runCli(dir, ['schemas', '--from-cluster', '--all', '-o', 'all-schemas'], k.env);
    expect(all.code, all.err).toBe(0);
    const crdFiles = readdirSync(join(upstreamDir(), 'crd-schemas/strict'));
    expect(readdirSync(join(dir, 'all-schemas/crd-schemas/strict')).filter((f) => !f.includes('-')).sort()).toEqual(crdFiles.sort());
  });

  it('a cluster that does not serve /openapi/v3 still gives its CRDs, with a note', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracestack-cluster-'));
    const r = runCli(dir, ['schemas', '--from-cluster'], fakeKubectl(false, true).env);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('wrote 21 strict schemas');
    expect(r.err).toContain('note: no schemas of built-in kinds from /openapi/v3/api/v1: kubectl get --raw /openapi/v3/api/v1 failed: Error from server (NotFound)');
  });

  it('a kubectl failure is reported with its message and nothing is written; exactly one source is required', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracestack-cluster-'));
    const r = runCli(dir, ['schemas', '--from-cluster'], fakeKubectl(true).env);
    expect(r.code).toBe(1);
    expect(r.err).toBe('error: kubectl get customresourcedefinitions.apiextensions.k8s.io -o json failed: error: You must be logged in to the server (Unauthorized)\n');
    expect(existsSync(join(dir, '.tracestack'))).toBe(false);
    expect(runCli(dir, ['schemas']).code).toBe(2);
  });
});
