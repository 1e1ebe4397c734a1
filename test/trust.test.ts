import { createHash } from 'node:crypto';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { codeFrame, renderJson, renderText } from '../src/cli/report.js';
import type { Diagnostic } from '../src/diagnostics.js';
import { scanForSecrets, looksLikeSecret } from '../src/verify/secrets.js';
import { UpstreamValidators, VerifiedHashes, verifyObjects } from '../src/verify/upstream.js';
import { renderExamples, runCli, scratchRepo } from './helpers/repo.js';
import { upstreamDir } from './helpers/upstream.js';

const d: Diagnostic = { file: 'environments/prod.yaml', line: 2, column: 5, path: 'spec.tempo.retenion', code: 'unknown-key', message: 'unknown key "retenion"', suggestion: 'did you mean "retention"?', severity: 'error' };

describe('reporting', () => {
  it('a code frame shows the line and a caret under the column', () => {
    expect(codeFrame('a: 1\n  tempo: x\n', 2, 5, false)).toBe('2 |   tempo: x\n  |     ^');
  });
  it('text on a terminal: frame and colour; piped: plain, no escape codes', () => {
    const sources = new Map([['environments/prod.yaml', 'spec:\n    retenion: 3d\n']]);
    const tty = renderText([d], { frame: true, colour: true, sources });
    expect(tty).toContain('\x1b[');
    expect(tty).toContain('retenion: 3d');
    const plain = renderText([d], { frame: false, colour: false, sources });
    expect(plain).not.toContain('\x1b[');
    expect(plain).not.toContain('retenion: 3d');
    expect(plain.split('\n')[0]).toBe('environments/prod.yaml:2:5: error: spec.tempo.retenion: unknown key "retenion"');
    expect(plain).toContain('1 error; nothing was written.');
  });
  it('json keeps every field and says ok only without errors', () => {
    expect(JSON.parse(renderJson([d]))).toEqual({ ok: false, diagnostics: [{ ...d }] });
    expect(JSON.parse(renderJson([{ ...d, severity: 'warning' }])).ok).toBe(true);
  });
});

describe('credential scanning of the rendered tree', () => {
  it('the example output holds nothing that looks like a credential', () => {
    expect(scanForSecrets(renderExamples(), 'out')).toEqual([]);
  });
  it('finds AWS key ids, PEM blocks, literal passwords and high-entropy tokens, with file and line', () => {
    const tree = new Map([
      ['prod/values/a.yaml', 'x: 1\naccess_key: AKIAIOSFODNN7EXAMPLE\n'],
      ['prod/values/b.yaml', 'cert: |\n  -----BEGIN RSA PRIVATE KEY-----\n'],
      ['prod/values/c.yaml', 'admin:\n  password: hunter2\n'],
      ['prod/values/d.yaml', 'token2: wJalrXUtnFEMIK7MDENGbPxRfiCYzEXAMPLEKEY9\n'],
      ['prod/values/e.yaml', 'admin:\n  passwordKey: admin-password\n  existingSecret: grafana-admin\n'],
    ]);
    expect(scanForSecrets(tree, 'out').map((x) => `${x.file}:${x.line}`)).toEqual(['out/prod/values/a.yaml:2', 'out/prod/values/b.yaml:2', 'out/prod/values/c.yaml:2', 'out/prod/values/d.yaml:1']);
  });
  it('reports a credential line in every file that holds it (lines are scanned once, found everywhere)', () => {
    const line = '  password: hunter2';
    const tree = new Map([
      ['dev/values/a.yaml', `admin:\n${line}\n`],
      ['prod/values/a.yaml', `x: 1\nadmin:\n${line}\n`],
    ]);
    expect(scanForSecrets(tree, 'out').map((x) => `${x.file}:${x.line}:${x.column}`)).toEqual(['out/dev/values/a.yaml:2:13', 'out/prod/values/a.yaml:3:13']);
  });
  it('does not mistake URLs, paths, names or env placeholders for secrets', () => {
    for (const s of ['https://grafana-community.github.io/helm-charts', '$values/out/prod/values/tempo.yaml', 'opentelemetry-collector-k8sattributes', '${AZURE_STORAGE_KEY}', 'ghcr.io/open-telemetry/opentelemetry-collector-releases']) {
      expect(looksLikeSecret(s), s).toBe(false);
    }
  });
  it('generate refuses a credential in pass-through values, at its line in the environment file', () => {
    const dir = scratchRepo();
    const file = join(dir, 'environments/prod.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('  grafana:\n', '  grafana:\n    values:\n      adminPassword: S3cr3tPassw0rdThatIsLongEnough\n'));
    const r = runCli(dir, ['generate']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/environments\/prod\.yaml:\d+:22: error: spec\.grafana\.values\.adminPassword: this looks like a literal adminPassword/);
  });
});

describe('upstream verification at generate time', () => {
  it('a field the CRD does not have is refused, naming the object and field', () => {
    const v = new UpstreamValidators(upstreamDir(), mkdtempSync(join(tmpdir(), 'tracestack-cache-')));
    const tree = renderExamples();
    const telemetry = parse(tree.get('base/istio-telemetry/telemetry-mesh-default.yaml')!);
    telemetry.spec.tracing[0].randomSamplingPercentag = 5;
    const problems = verifyObjects(new Map(), [{ file: 'prod/kustomize/istio-telemetry', object: telemetry }], v, 'out');
    expect(problems.map((p) => [p.file, p.code, p.path])).toEqual([['out/prod/kustomize/istio-telemetry', 'upstream-schema', 'Telemetry/mesh-default.spec.tracing.0.randomSamplingPercentag']]);
    // and the cached validator (second instance, same cache folder) answers the same
    const again = new UpstreamValidators(upstreamDir(), v.cacheDir);
    expect(verifyObjects(new Map(), [{ file: 'x', object: telemetry }], again, 'out')).toHaveLength(1);
  });
  it('remembers verified objects in a sorted hash file that it searches in place', () => {
    const hashes = Array.from({ length: 500 }, (_, i) => createHash('sha256').update(String(i)).digest('hex').slice(0, 32)).sort();
    const file = new VerifiedHashes(Buffer.from(hashes.join('\n') + '\n'));
    for (const h of hashes) expect(file.has(h)).toBe(true);
    for (let i = 500; i < 700; i++) expect(file.has(createHash('sha256').update(String(i)).digest('hex').slice(0, 32))).toBe(false);
    expect(file.all()).toEqual(hashes);
    // a torn or foreign file is an empty cache (objects are validated again), never a false hit
    expect(new VerifiedHashes(Buffer.from(hashes.join('\n').slice(0, -5))).has(hashes[0])).toBe(false);

    // through the validators: a generate's objects are written sorted, and a second instance finds them
    const cache = mkdtempSync(join(tmpdir(), 'tracestack-cache-'));
    const v = new UpstreamValidators(upstreamDir(), cache);
    const tree = renderExamples();
    const objects = [...tree].filter(([f]) => f.startsWith('base/') && !f.endsWith('kustomization.yaml')).map(([file, text]) => ({ file, object: parse(text) }));
    expect(verifyObjects(new Map(), objects, v, 'out')).toEqual([]);
    const withSchema = objects.filter(({ object }) => v.get(object.apiVersion, object.kind));
    expect(withSchema.length).toBeGreaterThan(3);
    const saved = readFileSync(join(cache, 'verified.txt'), 'utf8').trim().split('\n');
    expect(saved).toHaveLength(new Set(withSchema.map(({ object }) => JSON.stringify(object))).size);
    expect(saved).toEqual([...saved].sort());
    expect(saved.every((h) => /^[0-9a-f]{32}$/.test(h))).toBe(true);
  });
  it('loads compiled validators from a cache folder anywhere (their ajv helpers resolve from the package), with a code cache', () => {
    const cache = mkdtempSync(join(tmpdir(), 'tracestack-cache-'));
    const first = new UpstreamValidators(upstreamDir(), cache);
    expect(first.get('telemetry.istio.io/v1', 'Telemetry')).toBeDefined();
    const compiled = readdirSync(cache).filter((f) => f.endsWith('.cjs'));
    expect(compiled).toHaveLength(1);
    // mark the cached code: a second instance must run it, not compile the schema again
    appendFileSync(join(cache, compiled[0]), '\nmodule.exports.fromCache = true;\n');
    const second = new UpstreamValidators(upstreamDir(), cache).get('telemetry.istio.io/v1', 'Telemetry')!;
    expect((second as unknown as { fromCache?: boolean }).fromCache).toBe(true);
    expect(second({ apiVersion: 'telemetry.istio.io/v1', kind: 'Telemetry', metadata: { name: 'x' }, spec: { tracing: [{ randomSamplingPercentage: 5 }] } })).toBe(true);
    expect(second({ apiVersion: 'telemetry.istio.io/v1', kind: 'Telemetry', metadata: { name: 'x' }, spec: { tracing: [{ randomSamplingPercentag: 5 }] } })).toBe(false);
  });
  it('--schemas pointing at nothing is a usage error; doctor says where schemas come from', () => {
    const dir = scratchRepo();
    const bad = runCli(dir, ['--schemas', join(dir, 'nowhere'), 'generate']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('no upstream schemas at');
    const doc = runCli(dir, ['--schemas', upstreamDir(), 'doctor']);
    expect(doc.code).toBe(0);
    expect(doc.out).toContain(`CRD schemas: ${upstreamDir()} (--schemas)`);
    expect(doc.out).toContain('telemetry.istio.io/v1/Telemetry');
    const none = runCli(dir, ['doctor'], { TRACESTACK_SCHEMAS: '' });
    expect(none.out).toMatch(/CRD schemas: none found/);
  });
});

describe('cross-check warnings do not fail the run', () => {
  it('an ignored sampler argument is a warning with a fix, exit 0', () => {
    const dir = scratchRepo();
    const file = join(dir, 'environments/dev.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('      type: parentbased_always_on\n', '      type: parentbased_always_on\n      argument: 0.5\n'));
    const r = runCli(dir, ['validate']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/environments\/dev\.yaml:\d+:17: warning: spec\.instrumentation\.sampler\.argument: the sampler argument is ignored by sampler parentbased_always_on/);
    expect(r.err).toContain('Set: spec.instrumentation.sampler.type: parentbased_traceidratio');
  });
});
