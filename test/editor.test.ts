import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explain } from '../src/docs/explain.js';
import { environmentSchema } from '../src/validate/schema.js';
import { editFile, scratchRepo, runCli } from './helpers/repo.js';

const run = (cwd: string, ...args: string[]) => runCli(cwd, args);

describe('tracestack explain', () => {
  it('prints type, default, description and examples of a leaf field', () => {
    const r = explain(environmentSchema, 'spec.tempo.retention');
    expect(r.ok).toBe(true);
    const text = (r as { text: string }).text;
    expect(text).toContain('FIELD:    spec.tempo.retention <string>');
    expect(text).toContain('DEFAULT:  "48h"');
    expect(text).toContain('days are converted to hours');
    expect(text).toMatch(/EXAMPLES:\n {4}retention: 72h\n {4}retention: 14d/);
    expect(text).not.toContain('FIELDS:');
  });

  it('lists the sub-fields of an object, marking required ones; spec. may be left out', () => {
    const text = (explain(environmentSchema, 'tempo.storage') as { text: string }).text;
    expect(text).toContain('FIELD:    spec.tempo.storage <object> (required)');
    const fieldsPart = text.slice(text.indexOf('FIELDS:'));
    expect(fieldsPart).toMatch(/^ {2}backend\t<s3 \| azure \| gcs> -required-$/m);
    expect(fieldsPart).toMatch(/^ {2}s3\t<object>$/m);
    expect(fieldsPart).not.toMatch(/^ {2}bucket/m); // grandchildren are not listed
  });

  it('an unknown path is a usage error (exit 2) with a suggestion', () => {
    const r = run(process.cwd(), 'explain', 'spec.tempo.retenion');
    expect(r.code).toBe(2);
    expect(r.err).toContain('no field "spec.tempo.retenion"');
    expect(r.err).toContain('spec.tempo.retention');
  });
});

describe('validate and the yaml-language-server modeline', () => {
  it('warns (exit 0) for a file without the modeline, and names the file', () => {
    const dir = scratchRepo(false);
    const file = join(dir, 'environments/dev.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^# yaml-language-server.*\n/, ''));
    const r = run(dir, 'validate');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/environments\/dev\.yaml:1:1: warning: no yaml-language-server modeline/);
    expect(r.err).not.toMatch(/prod\.yaml:\d+:\d+: warning: no yaml-language-server modeline/);
    expect(r.out).toContain('ok: 7 environments valid');
  });

  it('is silent when every file has it', () => {
    const dir = scratchRepo(false);
    // (the examples' placeholder repoURL and prod's retired ingress-nginx warn on purpose; without them nothing does)
    editFile(join(dir, 'environments/_defaults.yaml'), 'https://git.example.com/', 'https://github.com/');
    editFile(join(dir, 'environments/prod.yaml'), '  ingressNginx:\n    enabled: true\n', '  ingressNginx:\n    enabled: false\n');
    const r = run(dir, 'validate');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
  });
});
