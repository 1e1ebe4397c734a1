// Issue 10, classes 1 (silent data loss) and 6 (internal errors instead of diagnostics): every refusal says what and
// where, exits as README documents, and leaves out/ exactly as it was (tree hash); no case prints "internal error".
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, editFile, runCli, scratchRepo, treeHash } from './helpers/repo.js';
import { gitIn, gitScratchRepo } from './helpers/git.js';

const leftovers = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('.tracestack-'));
/** A scratch repository whose environment files differ from out/: a generate would write. */
function changedRepo(): { dir: string; before: string } {
  const dir = scratchRepo();
  editFile(join(dir, 'environments/prod.yaml'), 'samplingPercentage: 5', 'samplingPercentage: 9');
  return { dir, before: treeHash(join(dir, 'out')) };
}
/** generate with a fault injected (TRACESTACK_FAILPOINT=fs:<op>:<code>:<path part>). */
const withFault = (dir: string, fault: string, ...args: string[]) => runCli(dir, args, { TRACESTACK_FAILPOINT: `fs:${fault}` });
const noInternal = (r: { err: string }) => expect(r.err).not.toContain('internal error');
/** This process's start time as the lock records it (field 22 of /proc/<pid>/stat). */
const startOf = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
};
const bootId = () => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();

describe('class 1: no silent data loss', () => {
  it('a missing environments/ folder is an error: exit 1, nothing pruned', () => {
    const dir = scratchRepo();
    const before = treeHash(join(dir, 'out'));
    rmSync(join(dir, 'environments'), { recursive: true });
    for (const args of [['generate'], ['generate', '--check'], ['diff'], ['validate']]) {
      const r = runCli(dir, args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err).toContain('environments/ does not exist; nothing was rendered and nothing pruned');
      noInternal(r);
    }
    expect(treeHash(join(dir, 'out'))).toBe(before);
  });

  it('an environments/ folder with no environment file (only _defaults.yaml) is an error, not "0 written, N pruned"', () => {
    const dir = scratchRepo();
    const before = treeHash(join(dir, 'out'));
    for (const f of readdirSync(join(dir, 'environments')).filter((f) => f.endsWith('.yaml') && f !== '_defaults.yaml')) rmSync(join(dir, 'environments', f));
    const r = runCli(dir, ['generate']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('no environment files (*.yaml) in environments/; nothing was rendered and nothing pruned');
    expect(r.out).not.toContain('pruned');
    expect(treeHash(join(dir, 'out'))).toBe(before);
    // also with a completely empty folder, and for --check
    rmSync(join(dir, 'environments/_defaults.yaml'));
    const check = runCli(dir, ['generate', '--check']);
    expect(check.code).toBe(1);
    expect(check.err).toContain('no environment files');
    expect(treeHash(join(dir, 'out'))).toBe(before);
  });

  it('--env dev after a change to _defaults.yaml refuses to rewrite the shared bases, naming the environments it reaches', () => {
    const dir = scratchRepo();
    const before = treeHash(join(dir, 'out'));
    editFile(join(dir, 'environments/_defaults.yaml'), 'samplingPercentage: 1', 'samplingPercentage: 2');
    const r = runCli(dir, ['generate', '--env', 'dev']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('--env dev would change shared output that other environments build on');
    expect(r.err).toMatch(/out\/base\/[^\n]+/);
    expect(r.err).toContain('reaches ambient-demo, prod, staging, teams-demo, tempo3-demo, tempo3-migration too');
    expect(r.err).toContain('run `tracestack generate` without --env');
    noInternal(r);
    expect(treeHash(join(dir, 'out'))).toBe(before);
    expect(leftovers(dir)).toEqual([]);
    // without --env the same change is written everywhere it reaches
    expect(runCli(dir, ['generate']).code).toBe(0);
    expect(treeHash(join(dir, 'out'))).not.toBe(before);
  });

  it('--env dev still writes a change that only dev has', () => {
    const dir = scratchRepo();
    editFile(join(dir, 'environments/dev.yaml'), 'retention: 24h', 'retention: 48h');
    editFile(join(dir, 'environments/prod.yaml'), 'samplingPercentage: 5', 'samplingPercentage: 9');
    const prodBefore = readFileSync(join(dir, 'out/prod/kustomize/istio-telemetry/kustomization.yaml'), 'utf8');
    const r = runCli(dir, ['generate', '--env', 'dev']);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(join(dir, 'out/dev/values/tempo.yaml'), 'utf8')).toContain('48h');
    expect(readFileSync(join(dir, 'out/prod/kustomize/istio-telemetry/kustomization.yaml'), 'utf8')).toBe(prodBefore);
  });

  it('out/ as a symlink is refused, not replaced by a folder; the link and its target stay as they are', () => {
    const { dir } = changedRepo();
    const target = join(dir, 'real-out');
    renameSync(join(dir, 'out'), target);
    symlinkSync('real-out', join(dir, 'out'));
    const before = treeHash(target);
    const r = runCli(dir, ['generate']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('error: out is a symlink (to real-out); tracestack replaces the output folder as a whole and does not write through links');
    noInternal(r);
    expect(lstatSync(join(dir, 'out')).isSymbolicLink()).toBe(true);
    expect(treeHash(target)).toBe(before);
    expect(leftovers(dir)).toEqual([]);
  });

  it('out/ as a file is refused', () => {
    const dir = scratchRepo(false);
    writeFileSync(join(dir, 'out'), 'not a folder\n');
    const r = runCli(dir, ['generate']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('error: out is a file, not a folder');
    expect(readFileSync(join(dir, 'out'), 'utf8')).toBe('not a folder\n');
  });

  it('--check and diff leave a running generate\'s staging folder alone (they only read while the lock is held)', () => {
    const { dir } = changedRepo();
    // a live process holds the lock and is staging: this test process stands in for the running generate
    writeFileSync(join(dir, '.tracestack-lock-out'), JSON.stringify({ pid: process.pid, start: startOf(process.pid), boot: bootId(), host: hostname() }) + '\n');
    const stage = join(dir, `.tracestack-stage-out-${process.pid}`);
    mkdirSync(join(stage, 'prod'), { recursive: true });
    writeFileSync(join(stage, 'prod/helmfile.yaml'), 'staged\n');
    const check = runCli(dir, ['generate', '--check']);
    expect(check.code).toBe(1); // the drift
    noInternal(check);
    expect(runCli(dir, ['diff']).code).toBe(1);
    expect(readFileSync(join(stage, 'prod/helmfile.yaml'), 'utf8')).toBe('staged\n');
    expect(existsSync(join(dir, '.tracestack-lock-out'))).toBe(true);
    // a second generate is refused, and deletes nothing either
    const second = runCli(dir, ['generate']);
    expect(second.code).toBe(1);
    expect(second.err).toContain(`another tracestack (pid ${process.pid}) is writing out/`);
    expect(readFileSync(join(stage, 'prod/helmfile.yaml'), 'utf8')).toBe('staged\n');
  });

  it('a staging folder left by a dead run is removed by the next --check, under the lock', () => {
    const { dir, before } = changedRepo();
    mkdirSync(join(dir, '.tracestack-stage-out-2147483646/prod'), { recursive: true });
    writeFileSync(join(dir, '.tracestack-lock-out'), JSON.stringify({ pid: 2147483646, start: '1', boot: bootId(), host: hostname() }) + '\n');
    const r = runCli(dir, ['generate', '--check']);
    expect(r.code).toBe(1);
    expect(leftovers(dir)).toEqual([]);
    expect(treeHash(join(dir, 'out'))).toBe(before);
  });

  it('killed between the two renames: the next run restores the old tree, as the swap journal describes it', () => {
    const { dir, before } = changedRepo();
    const crashed = runCli(dir, ['generate'], { TRACESTACK_FAILPOINT: 'between-renames' });
    expect(crashed.signal).toBe('SIGKILL');
    expect(existsSync(join(dir, '.tracestack-swap-out'))).toBe(true);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    const r = runCli(dir, ['diff']);
    expect(r.err).toContain('restored out/ from an interrupted run');
    expect(treeHash(join(dir, 'out'))).toBe(before);
    expect(leftovers(dir)).toEqual([]);
  });

  it('killed after the swap, and out/ deleted by the user since: the old tree is not restored', () => {
    const { dir } = changedRepo();
    const crashed = runCli(dir, ['generate'], { TRACESTACK_FAILPOINT: 'swapped' });
    expect(crashed.signal).toBe('SIGKILL');
    expect(leftovers(dir).some((f) => f.startsWith('.tracestack-old-out-'))).toBe(true);
    rmSync(join(dir, 'out'), { recursive: true });
    const r = runCli(dir, ['generate', '--check']);
    expect(r.err).toContain('not restoring the previous out/ left by an interrupted run: that run had finished its swap, and out/ was deleted since');
    expect(existsSync(join(dir, 'out'))).toBe(false);
    expect(leftovers(dir)).toEqual([]);
    // and generate writes a fresh tree, with nothing of the old one
    expect(runCli(dir, ['generate']).code).toBe(0);
    expect(readFileSync(join(dir, 'out/prod/kustomize/istio-telemetry/kustomization.yaml'), 'utf8')).toContain('randomSamplingPercentage: 9');
  });

  it('killed between the renames, then out/ recreated by the user: nothing is restored over it', () => {
    const { dir } = changedRepo();
    runCli(dir, ['generate'], { TRACESTACK_FAILPOINT: 'between-renames' });
    mkdirSync(join(dir, 'out'));
    writeFileSync(join(dir, 'out/mine.txt'), 'mine\n');
    const r = runCli(dir, ['generate']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).not.toContain('restored');
    expect(readFileSync(join(dir, 'out/mine.txt'), 'utf8')).toBe('mine\n');
    expect(leftovers(dir)).toEqual([]);
  });

  it('a swap journal whose staging folder is gone restores nothing (the stage may not have been complete)', () => {
    const { dir } = changedRepo();
    runCli(dir, ['generate'], { TRACESTACK_FAILPOINT: 'between-renames' });
    const stage = leftovers(dir).find((f) => f.startsWith('.tracestack-stage-out-'))!;
    rmSync(join(dir, stage), { recursive: true });
    const r = runCli(dir, ['generate', '--check']);
    expect(r.err).not.toContain('restored out/');
    expect(existsSync(join(dir, 'out'))).toBe(false);
    expect(leftovers(dir)).toEqual([]);
  });
});

describe('class 6: file-system errors are diagnostics, with the path, and out/ unchanged', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['write:ENOSPC:prod/kustomize/istio-telemetry/kustomization.yaml', 'disk full while staging a file', /error: no space left on the device holding \.tracestack-stage-out-\d+\/prod\/kustomize\/istio-telemetry\/kustomization\.yaml/],
    ['write:EDQUOT:.tracestack/manifest.json', 'quota exceeded on the ledger', /error: disk quota exceeded while writing \.tracestack-stage-out-\d+\/\.tracestack\/manifest\.json/],
    ['write:EFBIG:istio-telemetry/', 'a file too large for the file system', /error: \.tracestack-stage-out-\d+\/prod\/kustomize\/istio-telemetry\/kustomization\.yaml is too large/],
    ['lock:EROFS:', 'read-only file system (the lock file is the first write)', /error: \.tracestack-lock-out is on a read-only file system/],
    ['mkdir:EACCES:.tracestack-stage-out-', 'permission denied creating the staging folder', /error: permission denied: \.tracestack-stage-out-\d+/],
    ['read:EACCES:prod/helmfile.yaml', 'permission denied reading a file in out/', /error: permission denied: out\/prod\/helmfile\.yaml/],
    ['read:EIO:.tracestack/manifest.json', 'I/O error reading the ledger', /error: input\/output error at out\/\.tracestack\/manifest\.json/],
    ['write:ENOSPC:.tracestack-swap-out', 'disk full writing the swap journal', /error: no space left on the device holding \.tracestack-swap-out/],
    ['rename:EPERM:out', 'moving out/ aside not permitted', /error: operation not permitted: out\b/],
    ['rename:EBUSY:.tracestack-stage-out-', 'moving the stage in fails: the old tree is put back', /error: \.tracestack-stage-out-\d+ is busy/],
  ];
  for (const [fault, what, message] of cases) {
    it(`${what} (${fault})`, () => {
      const { dir, before } = changedRepo();
      const r = withFault(dir, fault, 'generate');
      expect(r.code, r.err).toBe(1);
      expect(r.err).toMatch(message);
      if (!fault.startsWith('read:EIO')) expect(r.err).toContain('nothing in out/ was changed');
      noInternal(r);
      expect(treeHash(join(dir, 'out'))).toBe(before);
      expect(leftovers(dir)).toEqual([]);
      // and the next run, without the fault, writes normally
      expect(runCli(dir, ['generate']).code).toBe(0);
    });
  }

  it('disk full in the background writer of a fleet (a worker thread) is reported the same way', () => {
    const dir = scratchRepo();
    const prod = readFileSync(join(dir, 'environments/prod.yaml'), 'utf8');
    for (let i = 0; i < 6; i++) writeFileSync(join(dir, `environments/env${i}.yaml`), prod.replace('name: prod', `name: env${i}`));
    expect(runCli(dir, ['generate']).code).toBe(0);
    editFile(join(dir, 'environments/env3.yaml'), 'targetRevision: release', 'targetRevision: release-2');
    const before = treeHash(join(dir, 'out'));
    const r = withFault(dir, 'write:ENOSPC:env3/argocd/apps/', 'generate');
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(/error: no space left on the device holding \.tracestack-stage-out-\d+\/env3\/argocd\/apps\/[\w-]+\.yaml; free some space and run again\nnothing in out\/ was changed/);
    noInternal(r);
    expect(treeHash(join(dir, 'out'))).toBe(before);
    expect(leftovers(dir)).toEqual([]);
    // --check on the fleet compares on a worker thread: a read error there is reported with its path too
    const check = withFault(dir, 'read:EACCES:env2/helmfile.yaml', 'generate', '--check');
    expect(check.code).toBe(1);
    expect(check.err).toContain('error: permission denied: out/env2/helmfile.yaml');
    noInternal(check);
  });

  it('a folder where a file is expected (EISDIR), in generate, --check and diff', () => {
    const { dir } = changedRepo();
    rmSync(join(dir, 'out/prod/helmfile.yaml'));
    mkdirSync(join(dir, 'out/prod/helmfile.yaml'));
    const before = treeHash(join(dir, 'out'));
    const r = runCli(dir, ['generate']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('refusing to write prod/helmfile.yaml: out/prod/helmfile.yaml is a folder where tracestack writes a file');
    noInternal(r);
    for (const args of [['generate', '--check'], ['diff']]) {
      const c = runCli(dir, args);
      expect(c.code, args.join(' ')).toBe(1);
      expect(c.err).toContain('error: out/prod/helmfile.yaml is a folder where a file is expected');
      noInternal(c);
    }
    expect(treeHash(join(dir, 'out'))).toBe(before);
    expect(leftovers(dir)).toEqual([]);
  });

  it('a file where a folder is expected (ENOTDIR)', () => {
    const { dir } = changedRepo();
    rmSync(join(dir, 'out/prod/values'), { recursive: true });
    writeFileSync(join(dir, 'out/prod/values'), 'a file\n');
    const before = treeHash(join(dir, 'out'));
    const r = runCli(dir, ['generate']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/refusing to write prod\/values\/[\w-]+\.yaml: out\/prod\/values is a file where tracestack needs a folder/);
    noInternal(r);
    expect(treeHash(join(dir, 'out'))).toBe(before);
    const check = runCli(dir, ['generate', '--check']);
    expect(check.code).toBe(1);
    expect(check.err).toContain('missing: out/prod/values/');
  });

  it('an environment file that is a folder, or unreadable, is a diagnostic with its path', () => {
    const dir = scratchRepo();
    const before = treeHash(join(dir, 'out'));
    rmSync(join(dir, 'environments/_defaults.yaml'));
    mkdirSync(join(dir, 'environments/_defaults.yaml'));
    const r = runCli(dir, ['generate']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('environments/_defaults.yaml:1:1: error: environments/_defaults.yaml is a folder where a file is expected');
    noInternal(r);
    mkdirSync(join(dir, 'environments/x.yaml'));
    const v = runCli(dir, ['validate', 'environments/x.yaml']);
    expect(v.code).toBe(1);
    expect(v.err).toContain('environments/x.yaml is a folder where a file is expected');
    noInternal(v);
    expect(treeHash(join(dir, 'out'))).toBe(before);
  });

  it('an environment file far over the size limit is refused by its size', () => {
    const dir = scratchRepo();
    writeFileSync(join(dir, 'environments/huge.yaml'), Buffer.alloc(3 * 1024 * 1024, 0x61));
    const r = runCli(dir, ['validate']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('environments/huge.yaml:1:1: error: the file is 3.0 MiB; environment files are limited to 1 MiB');
  });
});

describe('class 6: a corrupt ledger is refused, never guessed at', () => {
  const ledgers: Array<[string, string, string]> = [
    ['not JSON', '{"generator": "tracestack", "files": [', 'is corrupt (not JSON'],
    ['a JSON list', '[]\n', 'is not a tracestack ledger (not a JSON object)'],
    ['another generator', '{"generator": "other", "files": []}\n', '"generator" is not "tracestack"'],
    ['files not a list', '{"generator": "tracestack", "files": "prod/helmfile.yaml"}\n', '"files" is not a list'],
    ['an entry outside out/', '{"generator": "tracestack", "files": ["../environments/prod.yaml"]}\n', 'entry "../environments/prod.yaml" is not a relative path inside the folder'],
    ['an absolute entry', '{"generator": "tracestack", "files": ["/etc/passwd"]}\n', 'entry "/etc/passwd" is not a relative path'],
    ['a number as entry', '{"generator": "tracestack", "files": [1]}\n', 'entry 1 is not a relative path'],
  ];
  for (const [what, text, message] of ledgers) {
    it(`${what}: generate, --check and diff exit 1 with the path and change nothing`, () => {
      const { dir } = changedRepo();
      writeFileSync(join(dir, 'out/.tracestack/manifest.json'), text);
      const before = treeHash(join(dir, 'out'));
      for (const args of [['generate'], ['generate', '--check'], ['diff']]) {
        const r = runCli(dir, args);
        expect(r.code, args.join(' ')).toBe(1);
        expect(r.err).toContain(`error: out/.tracestack/manifest.json ${message.startsWith('entry') || message.startsWith('"') ? 'is not a tracestack ledger (' : ''}`);
        expect(r.err).toContain(message);
        expect(r.err).toContain('git checkout -- out/.tracestack/manifest.json');
        noInternal(r);
      }
      expect(treeHash(join(dir, 'out'))).toBe(before);
      expect(leftovers(dir)).toEqual([]);
    });
  }
});

describe('class 6: the writer lock', () => {
  const lockFile = (dir: string, info: object) => writeFileSync(join(dir, '.tracestack-lock-out'), JSON.stringify(info) + '\n');

  it('a lock whose pid now belongs to an unrelated live process (pid reuse: other start time) is stale and taken over', () => {
    const { dir, before } = changedRepo();
    lockFile(dir, { pid: process.pid, start: '1', boot: bootId(), host: hostname() });
    const r = runCli(dir, ['generate']);
    expect(r.code, r.err).toBe(0);
    expect(treeHash(join(dir, 'out'))).not.toBe(before);
    expect(existsSync(join(dir, '.tracestack-lock-out'))).toBe(false);
  });

  it('a lock taken before the last reboot (other boot id) is stale', () => {
    const { dir } = changedRepo();
    lockFile(dir, { pid: process.pid, start: startOf(process.pid), boot: '00000000-0000-0000-0000-000000000000', host: hostname() });
    expect(runCli(dir, ['generate']).code).toBe(0);
  });

  it('a lock held by a live tracestack (same pid and start time) is respected', () => {
    const { dir, before } = changedRepo();
    lockFile(dir, { pid: process.pid, start: startOf(process.pid), boot: bootId(), host: hostname() });
    const r = runCli(dir, ['generate']);
    expect(r.code).toBe(1);
    expect(r.err.split('\n').filter((l) => l.startsWith('error:'))).toEqual([`error: another tracestack (pid ${process.pid}) is writing out/; wait for it to finish and run again`]);
    expect(treeHash(join(dir, 'out'))).toBe(before);
  });

  it('a lock from another host is never taken over; the message says where and how to clear it', () => {
    const { dir, before } = changedRepo();
    lockFile(dir, { pid: 1, start: '1', boot: 'x', host: 'build-agent-7' });
    const r = runCli(dir, ['generate']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('another tracestack (pid 1 on host build-agent-7) is writing out/');
    expect(r.err).toContain('delete .tracestack-lock-out');
    expect(treeHash(join(dir, 'out'))).toBe(before);
  });

  it('an unreadable (garbage) lock file is stale', () => {
    const { dir } = changedRepo();
    writeFileSync(join(dir, '.tracestack-lock-out'), 'garbage');
    expect(runCli(dir, ['generate']).code).toBe(0);
  });

  it('an empty lock (its holder between creating and writing it) is not taken over while fresh; one left empty is stale after a second', async () => {
    const { dir, before } = changedRepo();
    const lock = join(dir, '.tracestack-lock-out');
    writeFileSync(lock, '');
    const child = spawn(process.execPath, [CLI, 'generate'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // the holder finishes writing it: a live process (this one)
    await new Promise((r) => setTimeout(r, 800));
    writeFileSync(lock, JSON.stringify({ pid: process.pid, start: startOf(process.pid), boot: bootId(), host: hostname() }) + '\n');
    expect(await exited, err).toBe(1);
    expect(err).toContain('another tracestack');
    expect(treeHash(join(dir, 'out'))).toBe(before);
    // an empty lock nobody writes (its run was killed in that moment) is taken over
    writeFileSync(lock, '');
    expect(runCli(dir, ['generate']).code).toBe(0);
    expect(treeHash(join(dir, 'out'))).not.toBe(before);
  });

  it('two generates racing for a stale lock: exactly one writes, the other is refused or finds nothing to do', async () => {
    const { dir } = changedRepo();
    lockFile(dir, { pid: 2147483646, start: '1', boot: bootId(), host: hostname() });
    const runOne = () =>
      new Promise<{ code: number | null; err: string }>((resolve) => {
        const child = spawn(process.execPath, [CLI, 'generate'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
        let err = '';
        child.stderr.on('data', (d) => (err += d));
        child.on('exit', (code) => resolve({ code, err }));
      });
    const results = await Promise.all([runOne(), runOne()]);
    for (const r of results) {
      expect([0, 1]).toContain(r.code);
      if (r.code === 1) expect(r.err).toContain('another tracestack');
      noInternal(r);
    }
    expect(results.some((r) => r.code === 0)).toBe(true);
    expect(runCli(dir, ['generate', '--check']).code).toBe(0);
    expect(leftovers(dir)).toEqual([]);
  });
});

describe('class 6: git revisions and options', () => {
  it('--changed-since with an unknown revision is a usage error (exit 2), not a git stack', () => {
    const dir = gitScratchRepo();
    const r = runCli(dir, ['generate', '--changed-since', 'no-such-rev']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('error: --changed-since no-such-rev: no such commit in the git repository');
    noInternal(r);
  });

  it('a revision that starts with "-" is never read as a git option', () => {
    const dir = gitScratchRepo();
    const target = join(dir, 'leak.txt');
    for (const args of [['generate', `--changed-since=--output=${target}`], ['diff', `--changed-since=--output=${target}`], ['diff', `--base=--output=${target}`]]) {
      const r = runCli(dir, args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(/error: --(changed-since|base) "--output=[^"]+": not a git revision \(a revision never starts with "-"/);
      noInternal(r);
    }
    expect(existsSync(target)).toBe(false);
  });

  it('diff --base with an unknown revision is a usage error; the default HEAD in a repository without commits still works', () => {
    const dir = gitScratchRepo();
    editFile(join(dir, 'environments/prod.yaml'), 'samplingPercentage: 5', 'samplingPercentage: 9');
    const r = runCli(dir, ['diff', '--base', 'v9.9.9']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('error: --base v9.9.9: no such commit');
    const fresh = scratchRepo();
    gitIn(fresh, 'init', '-q', '-b', 'main');
    editFile(join(fresh, 'environments/prod.yaml'), 'samplingPercentage: 5', 'samplingPercentage: 9');
    const d = runCli(fresh, ['diff', '--summary', 'markdown']);
    expect(d.code).toBe(1);
    expect(d.out).toContain('does not exist: old values unknown');
  });
});

describe('class 6: tracestack pr puts everything back when a step fails', () => {
  const state = (dir: string) => ({
    branch: gitIn(dir, 'branch', '--show-current').trim(),
    branches: gitIn(dir, 'branch', '--format=%(refname:short)').trim(),
    status: gitIn(dir, 'status', '--porcelain=v1', '--untracked-files=all'),
    index: gitIn(dir, 'write-tree').trim(),
    out: treeHash(join(dir, 'out')),
  });

  it('a failing commit hook: exit 1 with the hook\'s message, back on the starting branch, work tree and index as before', () => {
    const dir = gitScratchRepo();
    editFile(join(dir, 'environments/prod.yaml'), 'samplingPercentage: 5', 'samplingPercentage: 9');
    gitIn(dir, 'add', 'environments/prod.yaml'); // staged before pr: must stay staged, and nothing more
    writeFileSync(join(dir, 'out/prod/helmfile.yaml'), readFileSync(join(dir, 'out/prod/helmfile.yaml'), 'utf8') + '# local edit\n');
    writeFileSync(join(dir, '.git/hooks/pre-commit'), '#!/bin/sh\necho "policy: no commits on Fridays" >&2\nexit 1\n');
    chmodSync(join(dir, '.git/hooks/pre-commit'), 0o755);
    const before = state(dir);
    const r = runCli(dir, ['pr', '--branch', 'tracing/x']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('policy: no commits on Fridays');
    expect(r.err).toContain('nothing was committed (out/ restored, back on main, branch tracing/x removed)');
    noInternal(r);
    expect(state(dir)).toEqual(before);
    expect(leftovers(dir)).toEqual([]);
  });

  it('disk full while pr writes out/: exit 1, back on the starting branch, nothing changed', () => {
    const dir = gitScratchRepo();
    editFile(join(dir, 'environments/prod.yaml'), 'samplingPercentage: 5', 'samplingPercentage: 9');
    const before = state(dir);
    const r = runCli(dir, ['pr'], { TRACESTACK_FAILPOINT: 'fs:write:ENOSPC:prod/' });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/error: no space left on the device holding \.tracestack-stage-out-\d+\/prod\//);
    expect(r.err).toContain('nothing was committed (back on main');
    noInternal(r);
    expect(state(dir)).toEqual(before);
    expect(leftovers(dir)).toEqual([]);
  });

  it('no room for the copy of out/ that pr keeps to undo with: exit 1, nothing changed, no branch', () => {
    const dir = gitScratchRepo();
    editFile(join(dir, 'environments/prod.yaml'), 'samplingPercentage: 5', 'samplingPercentage: 9');
    const before = state(dir);
    const r = runCli(dir, ['pr'], { TRACESTACK_FAILPOINT: 'fs:mkdir:ENOSPC:.tracestack-backup-out-' });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/error: no space left on the device holding \.tracestack-backup-out-\d+; free some space and run again\nnothing was committed\n/);
    noInternal(r);
    expect(state(dir)).toEqual(before);
    expect(leftovers(dir)).toEqual([]);
  });

  it('out/ as a symlink: pr refuses before it creates a branch', () => {
    const dir = gitScratchRepo();
    editFile(join(dir, 'environments/prod.yaml'), 'samplingPercentage: 5', 'samplingPercentage: 9');
    renameSync(join(dir, 'out'), join(dir, 'real-out'));
    symlinkSync('real-out', join(dir, 'out'));
    gitIn(dir, 'add', '-A');
    gitIn(dir, 'commit', '-q', '-m', 'out is a link');
    editFile(join(dir, 'environments/prod.yaml'), 'samplingPercentage: 9', 'samplingPercentage: 8');
    const before = state(dir);
    const r = runCli(dir, ['pr']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('out is a symlink (to real-out)');
    noInternal(r);
    expect(state(dir)).toEqual(before);
  });

  it('a branch name that is not one (or looks like an option) is refused before anything happens', () => {
    const dir = gitScratchRepo();
    editFile(join(dir, 'environments/prod.yaml'), 'samplingPercentage: 5', 'samplingPercentage: 9');
    const before = state(dir);
    for (const name of ['--force', 'a..b', 'x y']) {
      const r = runCli(dir, ['pr', `--branch=${name}`]);
      expect(r.code, name).toBe(2);
      expect(r.err).toContain(`${name} is not a valid branch name`);
    }
    expect(state(dir)).toEqual(before);
  });

  it('--open with glab never puts the PR body on the command line (a huge body would not fit)', () => {
    const dir = gitScratchRepo();
    const remote = mkdtempSync(join(tmpdir(), 'tracestack-remote-'));
    gitIn(remote, 'init', '-q', '--bare');
    gitIn(dir, 'remote', 'add', 'origin', remote);
    const bin = mkdtempSync(join(tmpdir(), 'tracestack-bin-'));
    writeFileSync(join(bin, 'glab'), `#!/bin/sh\nprintf '%s\\n' "$@" > "${bin}/args"\n`);
    chmodSync(join(bin, 'glab'), 0o755);
    editFile(join(dir, 'environments/prod.yaml'), 'targetRevision: release', 'targetRevision: release-2');
    const r = runCli(dir, ['pr', '--open'], { PATH: `${bin}:${process.env.PATH}` });
    expect(r.code, r.err).toBe(0);
    const args = readFileSync(join(bin, 'args'), 'utf8');
    expect(args.split('\n').slice(0, 5)).toEqual(['mr', 'create', '--source-branch', gitIn(dir, 'branch', '--show-current').trim(), '--fill']);
    expect(r.out.length).toBeGreaterThan(100);
    for (const line of r.out.split('\n').filter((l) => l.length > 20)) expect(args).not.toContain(line);
  });
});

describe('class 6: one mapping from file-system error codes to messages', () => {
  it('every code tracestack can meet says what happened and names the path; anything else is left to be a bug', async () => {
    const { describeFsError } = await import('../src/write/errors.js');
    const at = (code: string, extra: object = {}) => describeFsError(Object.assign(new Error(code), { code, path: '/srv/repo/out/prod/helmfile.yaml', ...extra }));
    const codes = ['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'EFBIG', 'ERR_FS_FILE_TOO_LARGE', 'ENAMETOOLONG', 'ELOOP', 'EMFILE', 'ENFILE', 'EIO', 'EBUSY', 'EXDEV', 'ENOENT', 'EEXIST', 'ENOTEMPTY'];
    for (const code of codes) expect(at(code), code).toContain('/srv/repo/out/prod/helmfile.yaml');
    expect(at('EROFS')).toBe('/srv/repo/out/prod/helmfile.yaml is on a read-only file system');
    expect(at('EXDEV', { dest: '/mnt/x' })).toContain('/srv/repo/out/prod/helmfile.yaml -> /mnt/x');
    expect(describeFsError(new TypeError('x is undefined'))).toBeUndefined();
    expect(describeFsError(Object.assign(new Error('?'), { code: 'ERR_SOMETHING_ELSE' }))).toBeUndefined();
  });
});
