import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { editFile, REPO, runCli, scratchRepo } from './helpers/repo.js';
import { gitIn, gitScratchRepo } from './helpers/git.js';
import { upstreamDir } from './helpers/upstream.js';

/** stdout must be exactly one JSON document; returns it. */
function doc(r: { code: number | null; out: string; err: string }): any {
  expect(() => JSON.parse(r.out), `stdout is not one JSON document:\n${r.out}\nstderr:\n${r.err}`).not.toThrow();
  return JSON.parse(r.out);
}
const diagnosticsSchema = new Ajv2020({ strict: true, allErrors: true }).compile(JSON.parse(readFileSync(join(REPO, 'schemas/diagnostics.schema.json'), 'utf8')));
/** The envelope every command's JSON has: ok and diagnostics (a usage or failure shows as a diagnostic). */
const envelope = (j: any, ok: boolean) => {
  expect(j.ok).toBe(ok);
  expect(Array.isArray(j.diagnostics)).toBe(true);
};

describe('--format json: every command prints one JSON document', () => {
  it('validate and generate (write, --check, --changed-since with nothing changed) follow schemas/diagnostics.schema.json', () => {
    const dir = gitScratchRepo();
    const v = doc(runCli(dir, ['--format', 'json', 'validate']));
    expect(diagnosticsSchema(v), JSON.stringify(diagnosticsSchema.errors)).toBe(true);
    envelope(v, true);
    editFile(join(dir, 'environments/prod.yaml'), 'samplingPercentage: 5', 'samplingPercentage: 7.5');
    const g = runCli(dir, ['generate', '--format', 'json']);
    expect(g.code, g.err).toBe(0);
    const gj = doc(g);
    expect(diagnosticsSchema(gj), JSON.stringify(diagnosticsSchema.errors)).toBe(true);
    expect(gj).toMatchObject({ ok: true, rendered: ['ambient-demo', 'dev', 'prod', 'staging', 'teams-demo', 'tempo3-demo', 'tempo3-migration'], written: ['out/prod/kustomize/istio-telemetry/kustomization.yaml'], pruned: [], kept: [] });
    const c = doc(runCli(dir, ['generate', '--check', '--format', 'json']));
    expect(c).toMatchObject({ ok: true, changes: [] });
    gitIn(dir, 'commit', '-qam', 'sampling');
    const none = runCli(dir, ['--format', 'json', 'generate', '--changed-since', 'HEAD']);
    expect(none.code, none.err).toBe(0);
    expect(doc(none)).toMatchObject({ ok: true, rendered: [] });
  });

  it('diff: the report also when nothing changed; doctor and explain: their result in the envelope', () => {
    const dir = gitScratchRepo();
    const same = runCli(dir, ['diff', '--format', 'json']);
    expect(same.code).toBe(0);
    expect(doc(same)).toMatchObject({ changed: false, files: [] });
    const d = doc(runCli(REPO, ['doctor', '--format', 'json']));
    envelope(d, true);
    expect(d.version).toBe('0.1.0');
    const e = doc(runCli(REPO, ['--format', 'json', 'explain', 'tempo.retention']));
    envelope(e, true);
    expect(e.field.path).toBe('spec.tempo.retention');
  });

  it('graph: one graph, an array of graphs, or what --out wrote', () => {
    expect(doc(runCli(REPO, ['graph', '--format', 'json', '--env', 'dev'])).env).toBe('dev');
    const all = doc(runCli(REPO, ['graph', '--format', 'json']));
    expect(all.map((g: any) => g.env)).toEqual(['ambient-demo', 'dev', 'prod', 'staging', 'teams-demo', 'tempo3-demo', 'tempo3-migration']);
    const out = mkdtempSync(join(tmpdir(), 'tracestack-graph-json-'));
    try {
      const w = doc(runCli(REPO, ['graph', '--format', 'json', '--env', 'prod', '--out', out]));
      envelope(w, true);
      expect(w.written).toHaveLength(1);
      expect(w.written[0]).toMatch(/prod\.json$/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('init: the files it created, and a failure (files exist) as a diagnostic with exit 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracestack-init-json-'));
    const r = runCli(dir, ['--format', 'json', 'init', '--no-install']);
    expect(r.code, r.err).toBe(0);
    const j = doc(r);
    envelope(j, true);
    expect(j.created).toContain('environments/dev.yaml');
    expect(j.installed).toBe(false);
    const again = runCli(dir, ['--format', 'json', 'init', '--no-install']);
    expect(again.code).toBe(1);
    const f = doc(again);
    envelope(f, false);
    expect(f.existing).toContain('environments/dev.yaml');
    expect(f.diagnostics[0].message).toContain('already exist');
  });

  it('schemas: what it wrote', () => {
    const dir = scratchRepo(false);
    const r = runCli(dir, ['--format', 'json', 'schemas', '--from', join(upstreamDir(), 'crds')]);
    expect(r.code, r.err).toBe(0);
    const j = doc(r);
    envelope(j, true);
    expect(j.out).toBe('.tracestack/schemas/');
    expect(j.schemas.map((s: any) => `${s.apiVersion}/${s.kind}`)).toContain('telemetry.istio.io/v1/Telemetry');
  });

  it('pr: the branch, the commit and the PR body; nothing to commit says so', () => {
    const dir = gitScratchRepo();
    const nothing = runCli(dir, ['--format', 'json', 'pr']);
    expect(nothing.code, nothing.err).toBe(0);
    expect(doc(nothing)).toMatchObject({ ok: true, committed: false });
    editFile(join(dir, 'environments/prod.yaml'), 'samplingPercentage: 5', 'samplingPercentage: 7.5');
    const r = runCli(dir, ['--format', 'json', 'pr']);
    expect(r.code, r.err).toBe(0);
    const j = doc(r);
    envelope(j, true);
    expect(j.branch).toBe(gitIn(dir, 'branch', '--show-current').trim());
    expect(j.subject).toBe('tracestack: prod: spec.istio.samplingPercentage 5 -> 7.5');
    expect(j.body).toContain('| `spec.istio.samplingPercentage` | `5` | `7.5` |');
  });
});

describe('usage errors: one type, exit 2, one rendering', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['unknown option', ['generate', '--no-such-flag'], /^error: unknown option '--no-such-flag'\n$/],
    ['unknown command', ['frobnicate'], /^error: unknown command 'frobnicate'/],
    ['bad --format value', ['--format', 'yaml', 'validate'], /^error: option '--format <format>' argument 'yaml' is invalid/],
    ['a graph format elsewhere', ['validate', '--format', 'mermaid'], /^error: --format mermaid is for `tracestack graph`; here use text or json\n$/],
    ['unknown environment (generate)', ['generate', '--env', 'qa'], /^error: no environment named "qa" \(known: ambient-demo, dev, prod, staging, teams-demo, tempo3-demo, tempo3-migration\)\n$/],
    // (graph prints the examples' warnings first: the placeholder repoURL)
    ['unknown environment (graph)', ['graph', '--env', 'qa', '--format', 'mermaid'], /^error: no environment named "qa" \(known: ambient-demo, dev, prod, staging, teams-demo, tempo3-demo, tempo3-migration\)\n$/m],
    ['unknown field (explain)', ['explain', 'tempo.retenion'], /^error: no field "tempo\.retenion"/],
    ['schemas without a source', ['schemas'], /^error: give exactly one of --from DIR or --from-cluster\n$/],
    ['--out outside the repository', ['generate', '--out', '../elsewhere'], /^error: --out must be a folder inside the repository/],
    ['diff --summary of an unknown kind', ['diff', '--summary', 'html'], /^error: --summary must be markdown; got html\n$/],
  ];
  for (const [what, args, message] of cases) {
    it(`${what}: exit 2, error: on stderr; with --format json also the document`, () => {
      const dir = scratchRepo(false);
      const text = runCli(dir, args);
      expect(text.code, text.err).toBe(2);
      expect(text.err).toMatch(message);
      expect(text.out).toBe('');
      // --format json (unless the case is about --format itself): one document with the usage diagnostic
      if (args.includes('--format')) return;
      const json = runCli(dir, ['--format', 'json', ...args]);
      expect(json.code).toBe(2);
      const j = doc(json);
      expect(diagnosticsSchema(j), JSON.stringify(diagnosticsSchema.errors)).toBe(true);
      expect(j).toMatchObject({ ok: false, diagnostics: [{ file: '<command line>', code: 'usage', severity: 'error' }] });
      expect(`error: ${j.diagnostics[0].message}\n`).toMatch(message);
    });
  }
});
