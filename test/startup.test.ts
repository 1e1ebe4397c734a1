import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CappedMemo } from '../src/startup.js';
import { environmentSchema, environmentValidator } from '../src/validate/schema.js';
import { CLI, REPO } from './helpers/repo.js';

const node = (args: string[], env: Record<string, string> = {}, cwd = REPO) => spawnSync(process.execPath, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });

describe('CappedMemo (the one size-capped cache)', () => {
  it('computes each key once, remembers undefined too, and starts over past its limit', () => {
    const memo = new CappedMemo<string, string | undefined>(3);
    let calls = 0;
    const get = (k: string) => memo.get(k, () => (calls++, k === 'none' ? undefined : k.toUpperCase()));
    expect([get('a'), get('a'), get('none'), get('none')]).toEqual(['A', 'A', undefined, undefined]);
    expect(calls).toBe(2);
    get('b');
    expect(memo.size).toBe(3);
    get('c'); // a fourth key: the memo starts over, never holding more than its limit
    expect(memo.size).toBe(1);
    get('a');
    expect(calls).toBe(5);
  });
});

describe('runCommonJs (dist/startup.cjs): CommonJS through a V8 code cache, public APIs only', () => {
  const run = (dir: string, cacheFile: string) =>
    node(['-e', `const { runCommonJs } = require(${JSON.stringify(join(REPO, 'dist/startup.cjs'))}); const f = ${JSON.stringify(join(dir, 'main.cjs'))}; console.log(JSON.stringify(runCommonJs(f, require('node:fs').readFileSync(f, 'utf8'), { cacheFile: ${JSON.stringify(cacheFile)} })))`]);

  it("runs the module (its require resolves from its own folder), writes the cache at exit, and survives a corrupt cache", () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracestack-startup-'));
    writeFileSync(join(dir, 'main.cjs'), '#!/usr/bin/env node\nconst dep = require("./dep.cjs");\nmodule.exports = { answer: dep * 2, file: __filename, dirname: __dirname };\n');
    writeFileSync(join(dir, 'dep.cjs'), 'module.exports = 21;\n');
    const cache = join(dir, 'cache', 'main.v8cache');
    const first = run(dir, cache);
    expect(first.status, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ answer: 42, file: join(dir, 'main.cjs'), dirname: dir });
    expect(existsSync(cache)).toBe(true);
    const written = readFileSync(cache);
    expect(written.length).toBeGreaterThan(0);
    // a cache V8 rejects (another build, a torn write) is ignored and replaced
    writeFileSync(cache, 'not a code cache');
    const again = run(dir, cache);
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).answer).toBe(42);
    expect(readFileSync(cache, 'utf8')).not.toBe('not a code cache');
  });

  it('bin/tracestack.cjs keeps one code cache per bundle and removes day-old caches of other builds', () => {
    const cache = mkdtempSync(join(tmpdir(), 'tracestack-cli-cache-'));
    mkdirSync(cache, { recursive: true });
    const old = join(cache, 'cli-0000000000000000.v8cache');
    const recent = join(cache, 'cli-1111111111111111.v8cache');
    writeFileSync(old, 'x');
    writeFileSync(recent, 'x');
    const twoDaysAgo = (Date.now() - 2 * 86_400_000) / 1000;
    utimesSync(old, twoDaysAgo, twoDaysAgo);
    const r = node([CLI, '--version'], { TRACESTACK_CACHE: cache });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('0.1.0');
    const files = readdirSync(cache).filter((f) => f.startsWith('cli-')).sort();
    expect(files).toHaveLength(2);
    expect(files).toContain('cli-1111111111111111.v8cache'); // another build's, but recent: kept
    expect(files).not.toContain('cli-0000000000000000.v8cache');
    // the second start reads the cache and does not rewrite it
    const mine = files.find((f) => f !== 'cli-1111111111111111.v8cache')!;
    const before = readFileSync(join(cache, mine));
    expect(node([CLI, '--version'], { TRACESTACK_CACHE: cache }).status).toBe(0);
    expect(readFileSync(join(cache, mine)).equals(before)).toBe(true);
  });

  it('bin/ and src/ use no private Node.js module APIs', () => {
    const files = [join(REPO, 'bin/tracestack.cjs'), ...readdirSync(join(REPO, 'src'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => join(e.parentPath, e.name))];
    const offending = files.filter((f) => /Module\._[a-zA-Z]+|\bwrap\b[^'\n]*from 'node:module'|require\('node:module'\)\.wrap/.test(readFileSync(f, 'utf8')));
    expect(offending).toEqual([]);
  });
});

describe('the environment schema validator has one route', () => {
  it('from sources it is compiled from schemas/environment.schema.json (never read from an earlier build)', () => {
    const v = environmentValidator();
    expect(v).toBe(environmentValidator());
    // ajv keeps the schema it compiled; a precompiled standalone validator has none
    expect((v as unknown as { schema?: unknown }).schema).toBe(environmentSchema);
  });
});

describe('dist/ (the tsc output) loads on the Node.js versions package.json claims', () => {
  it(`node dist/cli/main.js runs (--help, validate) on ${process.version}`, () => {
    const engines = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).engines.node as string;
    const [major, minor] = engines.replace(/^>=/, '').split('.').map(Number);
    const [nodeMajor, nodeMinor] = process.versions.node.split('.').map(Number);
    expect(nodeMajor > major || (nodeMajor === major && nodeMinor >= minor), `${process.version} is older than engines ${engines}`).toBe(true);
    const help = node([join(REPO, 'dist/cli/main.js'), '--help']);
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain('Usage: tracestack');
    const validate = node([join(REPO, 'dist/cli/main.js'), 'validate']);
    expect(validate.status, validate.stderr).toBe(0);
    expect(validate.stdout).toBe('ok: 7 environments valid (ambient-demo, dev, prod, staging, teams-demo, tempo3-demo, tempo3-migration)\n');
  });
});
