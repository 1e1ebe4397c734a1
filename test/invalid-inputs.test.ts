import { spawn } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { CLI, REPO, scratchRepo, treeHash } from './helpers/repo.js';

interface Case {
  file: string;
  as: string;
  path: string;
  code: string | null;
  line?: number;
  column?: number;
  /** Part of the expected message. */
  message?: string;
  /** More fixture files the case needs (an environment that collides with this one). */
  extra?: Array<{ file: string; as: string }>;
  /** The same problem, reported in another file too (collisions across environments). */
  also?: { as: string; path: string; line: number; column: number; message?: string };
}
const FIXTURES = join(REPO, 'test/fixtures/invalid');
const cases = JSON.parse(readFileSync(join(FIXTURES, 'cases.json'), 'utf8')) as Case[];

const run = (cwd: string, args: string[]) =>
  new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
const diagnosticsSchema = new Ajv2020({ strict: true, allErrors: true }).compile(JSON.parse(readFileSync(join(REPO, 'schemas/diagnostics.schema.json'), 'utf8')));

/** Runs one bad input through validate, generate and generate --format json in a scratch copy of the repo. */
async function check(c: Case, prepare: (dir: string) => void) {
  const dir = scratchRepo();
  prepare(dir);
  const before = treeHash(join(dir, 'out'));
  const [text, gen, json] = await Promise.all([run(dir, ['validate']), run(dir, ['generate']), run(dir, ['--format', 'json', 'generate'])]);
  expect(text.code, text.err).toBe(1);
  expect(gen.code, gen.err).toBe(1);
  expect(json.code).toBe(1);
  // text: file:line:col, severity, spec path
  const shown = c.path ? `${c.as}:${c.line ?? '\\d+'}:${c.column ?? '\\d+'}: error: ${c.path.replace(/[.*+?^${}()|[\]\\]/g, (m) => `\\${m}`)}:` : `${c.as}:${c.line ?? '\\d+'}:${c.column ?? '\\d+'}: error:`;
  expect(text.err).toMatch(new RegExp(shown));
  // json: the documented shape, and the expected problem in it
  const parsed = JSON.parse(json.out);
  expect(diagnosticsSchema(parsed), JSON.stringify(diagnosticsSchema.errors)).toBe(true);
  expect(parsed.ok).toBe(false);
  const hit = parsed.diagnostics.find((d: any) => d.file === c.as && d.path === c.path && (c.code === null || d.code === c.code));
  expect(hit, JSON.stringify(parsed.diagnostics, null, 1)).toBeDefined();
  if (c.line) expect(hit.line).toBe(c.line);
  if (c.column) expect(hit.column).toBe(c.column);
  if (c.message) expect(hit.message).toContain(c.message);
  if (c.also) {
    const other = parsed.diagnostics.find((d: any) => d.file === c.also!.as && d.path === c.also!.path && d.line === c.also!.line && d.column === c.also!.column && (c.code === null || d.code === c.code));
    expect(other, JSON.stringify(parsed.diagnostics, null, 1)).toBeDefined();
    if (c.also.message) expect(other.message).toContain(c.also.message);
    expect(text.err).toContain(`${c.also.as}:${c.also.line}:${c.also.column}: error: ${c.also.path}:`);
  }
  // nothing written, nothing deleted
  expect(treeHash(join(dir, 'out'))).toBe(before);
  rmSync(dir, { recursive: true, force: true });
  return hit;
}

describe('bad input: exit 1, file:line:col and spec path, out/ unchanged', () => {
  it('has at least 25 cases', () => expect(cases.length).toBeGreaterThanOrEqual(25));

  it.concurrent.each(cases.map((c) => [c.file, c] as const))('%s', async (_name, c) => {
    await check(c, (dir) => {
      copyFileSync(join(FIXTURES, c.file), join(dir, c.as));
      for (const e of c.extra ?? []) copyFileSync(join(FIXTURES, e.file), join(dir, e.as));
    });
  });

  it('a 10 MB file is refused before parsing', async () => {
    const c: Case = { file: '', as: 'environments/huge.yaml', path: '', code: 'too-large', line: 1, column: 1 };
    const hit = await check(c, (dir) => writeFileSync(join(dir, c.as), `# ${'x'.repeat(10 * 1024 * 1024)}\n`));
    expect(hit.message).toMatch(/10\.0 MiB/);
  });

  it('the typo `retenion` suggests `retention`, with its line and column', async () => {
    const dir = scratchRepo();
    copyFileSync(join(FIXTURES, '01-unknown-key-typo.yaml'), join(dir, 'environments/stage.yaml'));
    const r = await run(dir, ['validate']);
    expect(r.err).toContain('environments/stage.yaml:11:5: error: spec.tempo.retenion: unknown key "retenion"');
    expect(r.err).toContain('did you mean "retention"?');
  });

  it('every error is reported at once, sorted by file and line', async () => {
    const dir = scratchRepo();
    copyFileSync(join(FIXTURES, '01-unknown-key-typo.yaml'), join(dir, 'environments/stage.yaml'));
    copyFileSync(join(FIXTURES, '03-wrong-type.yaml'), join(dir, 'environments/another.yaml'));
    writeFileSync(join(dir, 'environments/another.yaml'), readFileSync(join(dir, 'environments/another.yaml'), 'utf8').replace('name: stage', 'name: another'));
    const parsed = JSON.parse((await run(dir, ['--format', 'json', 'validate'])).out);
    expect(parsed.diagnostics.filter((d: any) => d.severity === 'error').map((d: any) => `${d.file}:${d.line}`)).toEqual(['environments/another.yaml:12', 'environments/stage.yaml:11']);
  });
});
