import { readFileSync, rmSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseYamlSource } from '../src/load/yamlSource.js';
import { closest, levenshtein } from '../src/diagnostics.js';
import { readInputs } from '../src/cli/io.js';
import { validateInputs } from '../src/pipeline.js';
import { explain } from '../src/docs/explain.js';
import { environmentSchema } from '../src/validate/schema.js';
import { TOOL_VERSION } from '../src/render/yaml.js';
import { useColour } from '../src/cli/colour.js';
import { gitScratchRepo } from './helpers/git.js';
import { findIndentProblem } from '../src/load/indentation.js';
import { editFile, REPO, runCli, scratchRepo } from './helpers/repo.js';

describe('an inconsistent indentation is reported on the line to fix', () => {
  const at = (text: string) => parseYamlSource('f.yaml', text).diagnostics.map((d) => `${d.line}:${d.column} ${d.code} ${d.path}`);
  it('a 5-space first key (the parser notices at the 4-space key after it)', () => {
    expect(at('spec:\n  tempo:\n     retention: 24h\n    storage:\n      backend: s3\n    x: 1\n')).toEqual(['3:6 indentation spec.tempo.retention']);
  });
  it('a 5-space key after a 4-space one (the parser notices at the end of the line before)', () => {
    expect(at('spec:\n  tempo:\n    retention: 24h\n     storage:\n      backend: s3\n    x: 1\n')[0]).toMatch(/^4:6 indentation/);
  });
  it('a 5-space key inside a 6-space block, and a 3-space key', () => {
    expect(at('spec:\n  tempo:\n    retention: 24h\n    storage:\n      backend: s3\n     b: 2\n    x: 1\n')).toEqual(['6:6 indentation spec.tempo.b']);
    expect(at('spec:\n  tempo:\n    retention: 24h\n   storage:\n      backend: s3\n')[0]).toMatch(/^4:4 indentation/);
  });
  it('the message says what would fit', () => {
    const d = parseYamlSource('f.yaml', 'spec:\n  tempo:\n     retention: 24h\n    storage: {}\n').diagnostics[0];
    expect(d.message).toBe('this line is indented 5 spaces, which matches no block around it (expected 4 spaces)');
  });
  it('the example environments, lists, block scalars and comments pass the indentation scan', () => {
    for (const f of ['dev', 'prod', 'staging', 'teams-demo', '_defaults']) expect(findIndentProblem(readFileSync(join(REPO, `environments/${f}.yaml`), 'utf8')), f).toBeUndefined();
    expect(findIndentProblem('a:\n  b: |\n      text\n    more\n  c:\n  - x: 1\n    y: 2\n  -\n    z: 3\n  # c\nd: [1, 2]\n')).toBeUndefined();
    // a flow collection over several lines sets no indentation
    expect(findIndentProblem('a:\n  b: [x,\n     y, "]",\n   z]\n  c: 1\n')).toBeUndefined();
    // an indentation problem after the one the parser reports is not blamed for it
    expect(at('spec:\n  tempo:\n    retention: 24h\n   storage: {}\n  grafana:\n     a: 1\n    b: 2\n')[0]).toMatch(/^4:4 indentation/);
  });
});

describe('one problem in _defaults.yaml is reported once, not once per environment', () => {
  it('an enum typo in the shared defaults: one error at the defaults file (three environments inherit it)', () => {
    const dir = scratchRepo(false);
    editFile(join(dir, 'environments/_defaults.yaml'), '    mode: deployment\n', '    mode: deploymnt\n');
    const r = runCli(dir, ['--format', 'json', 'validate']);
    expect(r.code).toBe(1);
    const errors = JSON.parse(r.out).diagnostics.filter((d: any) => d.severity === 'error');
    expect(errors.map((d: any) => `${d.file} ${d.path} ${d.code}`)).toEqual(['environments/_defaults.yaml spec.collector.mode enum']);
    const text = runCli(dir, ['validate']);
    expect(text.err.match(/error: spec\.collector\.mode/g)).toHaveLength(1);
    expect(text.err).toContain('1 error');
  });
});

/** The example inputs with text replaced in files (in memory), validated. */
function validateEdited(edits: Array<[file: string, from: string, to: string]>) {
  const inputs = readInputs(REPO);
  for (const [file, from, to] of edits) {
    const f = file === '_defaults.yaml' ? inputs.defaults! : inputs.environments.find((e) => e.path.endsWith(`/${file}`))!;
    if (!f.text.includes(from)) throw new Error(`${from} not in ${file}`);
    f.text = f.text.replace(from, to);
  }
  return validateInputs(inputs).diagnostics.filter((d) => d.code !== 'placeholder-url' && d.code !== 'deprecated-ingress-nginx');
}

describe('did you mean counts a swap of two letters as one edit (Damerau-Levenshtein)', () => {
  it('backend: gsc suggests gcs, not s3', () => {
    expect(levenshtein('gsc', 'gcs')).toBe(1);
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(closest('gsc', ['s3', 'azure', 'gcs'])).toBe('gcs');
    const [d] = validateEdited([['prod.yaml', 'backend: s3', 'backend: gsc']]);
    expect(d).toMatchObject({ path: 'spec.tempo.storage.backend', code: 'enum', suggestion: 'did you mean "gcs"?' });
  });
});

describe('only the chosen storage backend has a section', () => {
  it('s3: and gcs: together in one environment: an error at the gcs section', () => {
    const ds = validateEdited([['prod.yaml', '      s3:\n        bucket: acme-prod-tempo-traces', '      gcs:\n        bucketName: acme-prod\n      s3:\n        bucket: acme-prod-tempo-traces']]);
    const gcsLine = readFileSync(join(REPO, 'environments/prod.yaml'), 'utf8').split('\n').indexOf('      s3:') + 1; // gcs: goes where s3: was
    expect(ds.map((d) => `${d.file}:${d.line}:${d.column} ${d.path} ${d.code}`)).toEqual([`environments/prod.yaml:${gcsLine}:7 spec.tempo.storage.gcs storage-backend`]);
    expect(ds[0].suggestion).toBe('Remove spec.tempo.storage.gcs, or set spec.tempo.storage.backend: gcs (and remove spec.tempo.storage.s3).');
  });
  it('an environment that switches to gcs over shared defaults with an s3 section is fine (it cannot remove the merged section)', () => {
    const defaultsStorage = '  tempo:\n    storage:\n      backend: s3\n      credentialsSecret: { name: shared }\n      s3: { bucket: shared, endpoint: s3.amazonaws.com }\n';
    const prodS3 = '      s3:\n        bucket: acme-prod-tempo-traces\n        endpoint: s3.eu-west-1.amazonaws.com\n        region: eu-west-1\n';
    const ds = validateEdited([
      ['_defaults.yaml', '  tempo:\n', defaultsStorage],
      ['prod.yaml', '      backend: s3', '      backend: gcs'],
      ['prod.yaml', prodS3, '      gcs:\n        bucketName: acme-prod\n'],
    ]);
    expect(ds).toEqual([]);
    // but both sections in the defaults file itself are an error there
    const both = validateEdited([['_defaults.yaml', '  tempo:\n', defaultsStorage.replace('      s3:', '      gcs: { bucketName: shared }\n      s3:')]]);
    expect(both.map((d) => `${d.file} ${d.path} ${d.code}`)).toEqual(['environments/_defaults.yaml spec.tempo.storage.gcs storage-backend']);
  });
});

describe('--format json is honoured by generate --check, doctor and explain', () => {
  const diagnosticsSchema = new Ajv2020({ strict: true, allErrors: true }).compile(JSON.parse(readFileSync(join(REPO, 'schemas/diagnostics.schema.json'), 'utf8')));

  it('generate --check --format json: one JSON document with the problems and the files out of date, nothing else on stdout', () => {
    const dir = scratchRepo();
    const clean = runCli(dir, ['generate', '--check', '--format', 'json']);
    expect(clean.code).toBe(0);
    const ok = JSON.parse(clean.out);
    expect(diagnosticsSchema(ok), JSON.stringify(diagnosticsSchema.errors)).toBe(true);
    expect(ok).toMatchObject({ ok: true, changes: [] });
    editFile(join(dir, 'environments/prod.yaml'), 'samplingPercentage: 5', 'samplingPercentage: 7.5');
    rmSync(join(dir, 'out/dev/values/tempo.yaml'));
    const drift = runCli(dir, ['--format', 'json', 'generate', '--check']);
    expect(drift.code).toBe(1);
    const j = JSON.parse(drift.out);
    expect(diagnosticsSchema(j), JSON.stringify(diagnosticsSchema.errors)).toBe(true);
    expect(j.ok).toBe(false);
    expect(j.changes).toEqual([
      { file: 'out/dev/values/tempo.yaml', kind: 'missing' },
      { file: 'out/prod/kustomize/istio-telemetry/kustomization.yaml', kind: 'different' },
    ]);
    expect(drift.err).not.toMatch(/missing: |different: /);
  });

  it('doctor --format json', () => {
    const r = runCli(REPO, ['doctor', '--format', 'json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.version).toBe(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version);
    expect(j.environments).toEqual(['environments/ambient-demo.yaml', 'environments/dev.yaml', 'environments/prod.yaml', 'environments/staging.yaml', 'environments/teams-demo.yaml', 'environments/tempo3-demo.yaml', 'environments/tempo3-migration.yaml']);
    expect(j.upstreamSchemas.kinds).toContain('telemetry.istio.io/v1/Telemetry');
  });

  it('explain --format json: the field and its sub-fields', () => {
    const r = runCli(REPO, ['explain', 'tempo.storage', '--format', 'json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.field.path).toBe('spec.tempo.storage');
    expect(j.fields.map((f: any) => f.path)).toContain('spec.tempo.storage.backend');
    const bad = runCli(REPO, ['--format', 'json', 'explain', 'tempo.retenion']);
    expect(bad.code).toBe(2);
    const j2 = JSON.parse(bad.out);
    expect(j2.ok).toBe(false);
    expect(j2.diagnostics).toMatchObject([{ file: '<command line>', code: 'usage', severity: 'error' }]);
    expect(j2.diagnostics[0].message).toContain('did you mean spec.tempo.retention');
  });
});

describe('explain walks into lists', () => {
  it('explain teams lists the fields of each item', () => {
    const r = explain(environmentSchema, 'teams');
    if (!r.ok) throw new Error(r.message);
    expect(r.text).toContain('FIELDS (of each item):');
    expect(r.json.fields.map((f) => f.path)).toEqual(expect.arrayContaining(['spec.teams.name', 'spec.teams.namespaces', 'spec.teams.samplingPercentage']));
  });
  it('explain spec.teams.name, teams.name, teams[].name and teams[0].name are the same field', () => {
    const texts = ['spec.teams.name', 'teams.name', 'teams[].name', 'spec.teams[0].name'].map((p) => {
      const r = explain(environmentSchema, p);
      if (!r.ok) throw new Error(`${p}: ${r.message}`);
      return r.text;
    });
    expect(texts[0]).toContain('FIELD:    spec.teams.name <string> (required)');
    expect(new Set(texts).size).toBe(1);
  });
});

describe('--version and the colour rule', () => {
  it('tracestack --version prints the package version', () => {
    const version = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version;
    expect(runCli(REPO, ['--version'])).toEqual({ code: 0, out: `${version}\n`, err: '' });
    expect(runCli(REPO, ['-V']).out).toBe(`${version}\n`);
    expect(TOOL_VERSION).toBe(version);
  });

  it('one rule: FORCE_COLOR forces (0/false turns off), else NO_COLOR and TERM=dumb turn off, else a terminal', () => {
    const tty = { isTTY: true };
    const pipe = { isTTY: false };
    expect(useColour(tty, {})).toBe(true);
    expect(useColour(pipe, {})).toBe(false);
    expect(useColour(tty, { TERM: 'dumb' })).toBe(false);
    expect(useColour(tty, { NO_COLOR: '1' })).toBe(false);
    expect(useColour(tty, { NO_COLOR: '' })).toBe(true);
    expect(useColour(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(useColour(pipe, { FORCE_COLOR: '1', NO_COLOR: '1', TERM: 'dumb' })).toBe(true);
    expect(useColour(tty, { FORCE_COLOR: '0' })).toBe(false);
    expect(useColour(tty, { FORCE_COLOR: 'false' })).toBe(false);
  });

  it('FORCE_COLOR colours diagnostics and diffs into a pipe; TERM=dumb alone does not', () => {
    const dir = scratchRepo();
    editFile(join(dir, 'environments/prod.yaml'), '    retention: 14d\n', '    retention: 14d\n    retenion: 30d\n');
    expect(runCli(dir, ['validate'], { FORCE_COLOR: '1' }).err).toContain('\x1b[31;1merror');
    expect(runCli(dir, ['validate'], { TERM: 'dumb', NO_COLOR: '' }).err).not.toContain('\x1b[');
    const gdir = gitScratchRepo();
    editFile(join(gdir, 'environments/prod.yaml'), 'samplingPercentage: 5', 'samplingPercentage: 7.5');
    expect(runCli(gdir, ['diff'], { FORCE_COLOR: '1' }).out).toContain('\x1b[32m+');
    expect(runCli(gdir, ['diff'], { FORCE_COLOR: '1', TERM: 'dumb' }).out).toContain('\x1b[32m+');
    expect(runCli(gdir, ['diff'], { TERM: 'dumb', NO_COLOR: '' }).out).not.toContain('\x1b[');
  });
});
