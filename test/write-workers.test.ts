// Issue 11: the writer's worker threads are real modules (src/write/compare-worker.ts, write-worker.ts) that call the
// same compareFile and FileWriter (src/write/files.ts) as the main thread, and ship as small bundles beside the CLI
// bundle. Here the built worker bundles run as the CLI starts them, and must answer exactly what the in-process
// functions answer: same states, same error (message, code, path) for the same injected fault.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { errorData, type ErrorData, type FaultSpec } from '../src/write/errors.js';
import { compareFile, FileWriter } from '../src/write/files.js';
import { workerFile, type Batch, type CompareResult, type WriterResult } from '../src/write/workers.js';
import { editFile, REPO, runCli, scratchRepo } from './helpers/repo.js';

const BUNDLE_URL = pathToFileURL(join(REPO, 'dist/tracestack.cjs')).href;

/** Run a built worker (as the CLI bundle resolves it) on batches, and return its answer to 'end'. */
async function runWorker<T>(name: 'compare-worker' | 'write-worker', data: object, batches: Batch[]): Promise<T> {
  const worker = new Worker(workerFile(name, BUNDLE_URL), { workerData: data });
  try {
    return await new Promise<T>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      for (const b of batches) worker.postMessage(b);
      worker.postMessage('end');
    });
  } finally {
    await worker.terminate();
  }
}

/** The error FileWriter throws on this thread, as a worker would post it. */
function inlineWriteError(stage: string, files: Batch, fault: FaultSpec | undefined): ErrorData | undefined {
  const w = new FileWriter(stage, fault);
  for (const [f, c] of files) {
    try {
      w.write(f, c);
    } catch (e) {
      return errorData(e, join(stage, f));
    }
  }
  return undefined;
}

const tmp = () => mkdtempSync(join(tmpdir(), 'tracestack-workers-'));

describe('the worker threads share the one compare and the one write of a file', () => {
  it('the CLI bundle resolves each worker to a self-contained bundle beside it, which npm pack ships', () => {
    for (const name of ['compare-worker', 'write-worker'] as const) {
      const url = workerFile(name, BUNDLE_URL);
      expect(url.href).toBe(pathToFileURL(join(REPO, `dist/${name}.cjs`)).href);
      const code = readFileSync(url, 'utf8');
      // bundled: only Node built-ins are required (no ./errors.js or ./files.js left to resolve)
      expect([...new Set([...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]))].sort()).toEqual(['node:fs', 'node:path', 'node:worker_threads']);
    }
    // tsc's output (dist/write/*.js) finds the compiled modules beside itself
    expect(workerFile('write-worker', pathToFileURL(join(REPO, 'dist/write/workers.js')).href).pathname).toBe(join(REPO, 'dist/write/write-worker.js'));
    expect(existsSync(join(REPO, 'dist/write/write-worker.js'))).toBe(true);
    const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--ignore-scripts', '--json'], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
    const shipped = new Set((packed[0].files as Array<{ path: string }>).map((f) => f.path));
    expect(shipped).toContain('dist/compare-worker.cjs');
    expect(shipped).toContain('dist/write-worker.cjs');
  });

  it('the write worker writes what FileWriter writes, and fails with the same error for the same injected fault', async () => {
    const files: Batch = [
      ['a/b/one.yaml', 'one\n'],
      ['a/two.yaml', 'two\n'],
      ['c/three.yaml', 'three\n'],
    ];
    const stage = tmp();
    expect(await runWorker<WriterResult>('write-worker', { stage, fault: undefined }, [files])).toEqual({});
    for (const [f, c] of files) expect(readFileSync(join(stage, f), 'utf8')).toBe(c);

    const fault: FaultSpec = { op: 'write', code: 'ENOSPC', part: 'a/two' };
    const [inline, background] = [tmp(), tmp()];
    const expected = inlineWriteError(inline, files, fault);
    expect(expected).toEqual({ message: `ENOSPC: injected failure, write '${join(inline, 'a/two.yaml')}'`, code: 'ENOSPC', path: join(inline, 'a/two.yaml') });
    const got = await runWorker<WriterResult>('write-worker', { stage: background, fault }, [files.slice(0, 1), files.slice(1)]);
    const at = (e: ErrorData | undefined, dir: string) => JSON.parse(JSON.stringify(e).replaceAll(dir, '<stage>'));
    expect(at(got.error, background)).toEqual(at(expected, inline));
    // both stop at the first error: nothing after it is written
    for (const dir of [inline, background]) {
      expect(existsSync(join(dir, 'a/b/one.yaml'))).toBe(true);
      expect(existsSync(join(dir, 'c/three.yaml'))).toBe(false);
    }
    // a real error (a file where a folder is needed) has the same code and path on both
    const [i2, b2] = [tmp(), tmp()];
    for (const d of [i2, b2]) writeFileSync(join(d, 'a'), 'a file\n');
    const real = inlineWriteError(i2, files, undefined);
    const realBg = (await runWorker<WriterResult>('write-worker', { stage: b2, fault: undefined }, [files])).error;
    expect(real?.code).toBe('ENOTDIR');
    expect([realBg?.code, realBg?.path?.replace(b2, '')]).toEqual([real?.code, real?.path?.replace(i2, '')]);
  });

  it('the compare worker finds what compareFile finds (missing, different, same, a file on the path), and the same read error', async () => {
    const outDir = tmp();
    mkdirSync(join(outDir, 'x'));
    writeFileSync(join(outDir, 'x/same.yaml'), 'same\n');
    writeFileSync(join(outDir, 'x/changed.yaml'), 'old\n');
    writeFileSync(join(outDir, 'plain'), 'a file where a folder is expected\n');
    const files: Batch = [
      ['x/same.yaml', 'same\n'],
      ['x/changed.yaml', 'new\n'],
      ['x/new.yaml', 'new\n'],
      ['plain/below.yaml', 'new\n'],
    ];
    const inline = files.map(([f, c]) => ({ file: f, kind: compareFile(outDir, f, c, undefined) })).filter((c) => c.kind !== 'same');
    expect(inline).toEqual([
      { file: 'x/changed.yaml', kind: 'different' },
      { file: 'x/new.yaml', kind: 'missing' },
      { file: 'plain/below.yaml', kind: 'missing' },
    ]);
    expect(await runWorker<CompareResult>('compare-worker', { outDir, fault: undefined }, [files])).toEqual({ changes: inline });

    const fault: FaultSpec = { op: 'read', code: 'EACCES', part: 'x/changed' };
    let thrown: unknown;
    try {
      compareFile(outDir, 'x/changed.yaml', 'new\n', fault);
    } catch (e) {
      thrown = e;
    }
    const got = await runWorker<CompareResult>('compare-worker', { outDir, fault }, [files]);
    expect(got.error).toEqual(errorData(thrown, ''));
    expect(got.error).toMatchObject({ code: 'EACCES', path: join(outDir, 'x/changed.yaml') });
  });
});

describe('the same fault gives the same message on the inline path (4 environments) and the worker path (a fleet)', () => {
  const fleet = () => {
    const dir = scratchRepo();
    const prod = readFileSync(join(dir, 'environments/prod.yaml'), 'utf8');
    for (let i = 0; i < 6; i++) writeFileSync(join(dir, `environments/env${i}.yaml`), prod.replace('name: prod', `name: env${i}`));
    expect(runCli(dir, ['generate']).code).toBe(0);
    return dir;
  };

  it('generate --check: a read error in out/', () => {
    const small = scratchRepo();
    const big = fleet();
    const inline = runCli(small, ['generate', '--check'], { TRACESTACK_FAILPOINT: 'fs:read:EACCES:prod/helmfile.yaml' });
    const worker = runCli(big, ['generate', '--check'], { TRACESTACK_FAILPOINT: 'fs:read:EACCES:prod/helmfile.yaml' });
    for (const r of [inline, worker]) {
      expect(r.code, r.err).toBe(1);
      expect(r.err).toContain('error: permission denied: out/prod/helmfile.yaml\n');
    }
  });

  it('generate: a write error in the staging folder', () => {
    const small = scratchRepo();
    const big = fleet();
    for (const dir of [small, big]) editFile(join(dir, 'environments/prod.yaml'), 'targetRevision: release', 'targetRevision: release-2');
    const fault = { TRACESTACK_FAILPOINT: 'fs:write:ENOSPC:prod/argocd/apps/' };
    const [inline, worker] = [runCli(small, ['generate'], fault), runCli(big, ['generate'], fault)];
    const failure = (err: string) => err.slice(err.indexOf('\nerror: ') + 1).replace(/-out-\d+/, '-out-N');
    for (const r of [inline, worker]) {
      expect(r.code, r.err).toBe(1);
      expect(failure(r.err)).toMatch(/^error: no space left on the device holding \.tracestack-stage-out-N\/prod\/argocd\/apps\/[\w-]+\.yaml; free some space and run again\nnothing in out\/ was changed/);
    }
    expect(failure(inline.err)).toBe(failure(worker.err));
  });
});
