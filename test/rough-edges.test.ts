import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseYamlSource } from '../src/load/yamlSource.js';
import { closest, levenshtein } from '../src/diagnostics.js';
import { readInputs } from '../src/cli/io.js';
import { validateInputs } from '../src/pipeline.js';
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
    for (const f of ['dev', 'prod', 'teams-demo', '_defaults']) expect(findIndentProblem(readFileSync(join(REPO, `environments/${f}.yaml`), 'utf8')), f).toBeUndefined();
    expect(findIndentProblem('a:\n  b: |\n      text\n    more\n  c:\n  - x: 1\n    y: 2\n  -\n    z: 3\n  # c\nd: [1, 2]\n')).toBeUndefined();
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
  return validateInputs(inputs).diagnostics.filter((d) => d.code !== 'placeholder-url');
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
    expect(ds.map((d) => `${d.file}:${d.line}:${d.column} ${d.path} ${d.code}`)).toEqual(['environments/prod.yaml:39:7 spec.tempo.storage.gcs storage-backend']);
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
