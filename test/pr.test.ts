import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, editFile } from './helpers/repo.js';
import { gitIn, gitScratchRepo } from './helpers/git.js';
import { gfmProblems, nodes, parseGfm } from './helpers/gfm.js';

const run = runCli;
const edit = editFile;
const repo = gitScratchRepo;

describe('tracestack pr (a real git repository in a temp folder)', () => {
  it('one commit on a new branch with exactly the changed files, a message from the summary, and the PR body on stdout', () => {
    const dir = repo();
    edit(join(dir, 'environments/prod.yaml'), 'samplingPercentage: 5', 'samplingPercentage: 7.5');
    const r = run(dir, ['pr']);
    expect(r.code, r.err).toBe(0);
    const branch = gitIn(dir, 'branch', '--show-current').trim();
    expect(branch).toMatch(/^tracestack\/prod-[0-9a-f]{8}$/);
    expect(gitIn(dir, 'rev-list', '--count', 'main..HEAD').trim()).toBe('1');
    expect(gitIn(dir, 'diff', '--name-only', 'main', 'HEAD').trim().split('\n')).toEqual(['environments/prod.yaml', 'out/prod/kustomize/istio-telemetry/kustomization.yaml']);
    expect(gitIn(dir, 'status', '--porcelain')).toBe('');
    const message = gitIn(dir, 'log', '-1', '--format=%B');
    expect(message.split('\n')[0]).toBe('tracestack: prod: spec.istio.samplingPercentage 5 -> 7.5');
    expect(message).toContain('| istio-telemetry | – | `Telemetry/mesh-default (patch)` | – |');
    expect(r.out).toContain('| `spec.istio.samplingPercentage` | `5` | `7.5` |');
    expect(r.err).toContain(`created branch ${branch}`);
  });

  it('refuses a work tree with changes outside environments/ and out/, and creates no branch', () => {
    const dir = repo();
    edit(join(dir, 'environments/prod.yaml'), 'samplingPercentage: 5', 'samplingPercentage: 7.5');
    writeFileSync(join(dir, 'notes.txt'), 'wip\n');
    const r = run(dir, ['pr']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('notes.txt');
    expect(gitIn(dir, 'branch', '--format=%(refname:short)').trim()).toBe('main');
  });

  it('nothing changed: no commit, no branch left behind', () => {
    const dir = repo();
    const r = run(dir, ['pr']);
    expect(r.code).toBe(0);
    expect(r.err).toContain('nothing to commit');
    expect(gitIn(dir, 'branch', '--format=%(refname:short)').trim()).toBe('main');
    expect(gitIn(dir, 'branch', '--show-current').trim()).toBe('main');
  });

  it('--open pushes the branch and hands title and body to gh', () => {
    const dir = repo();
    const remote = mkdtempSync(join(tmpdir(), 'tracestack-remote-'));
    gitIn(remote, 'init', '-q', '--bare');
    gitIn(dir, 'remote', 'add', 'origin', remote);
    // A stand-in gh on PATH that records how it was called (git itself is real).
    const bin = mkdtempSync(join(tmpdir(), 'tracestack-bin-'));
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'gh'), `#!/bin/sh\nprintf '%s\\n' "$@" > "${bin}/args"\ncat > "${bin}/body"\n`);
    chmodSync(join(bin, 'gh'), 0o755);
    edit(join(dir, 'environments/dev.yaml'), 'retention: 24h', 'retention: 48h');
    const r = run(dir, ['pr', '--open', '--branch', 'tracing/dev-retention'], { PATH: `${bin}:${process.env.PATH}` });
    expect(r.code, r.err).toBe(0);
    expect(gitIn(remote, 'branch', '--format=%(refname:short)').trim()).toBe('tracing/dev-retention');
    const args = readFileSync(join(bin, 'args'), 'utf8').split('\n');
    expect(args.slice(0, 4)).toEqual(['pr', 'create', '--head', 'tracing/dev-retention']);
    expect(args[args.indexOf('--title') + 1]).toBe('tracestack: dev: spec.tempo.retention 24h -> 48h');
    expect(readFileSync(join(bin, 'body'), 'utf8')).toBe(r.out);
  });

  it('pr after generate and pr without it give the same description, naming each changed spec field old -> new', () => {
    const change = (dir: string) => {
      edit(join(dir, 'environments/prod.yaml'), 'samplingPercentage: 5', 'samplingPercentage: 7.5');
      edit(join(dir, 'environments/dev.yaml'), 'retention: 24h', 'retention: 48h');
    };
    const plain = repo();
    change(plain);
    const direct = run(plain, ['pr']);
    expect(direct.code, direct.err).toBe(0);

    const generated = repo();
    change(generated);
    expect(run(generated, ['generate']).code).toBe(0);
    const after = run(generated, ['pr']);
    expect(after.code, after.err).toBe(0);

    expect(after.out).toBe(direct.out);
    expect(after.out).not.toContain('No spec field changed');
    expect(after.out).toContain('| `spec.istio.samplingPercentage` | `5` | `7.5` |');
    expect(after.out).toContain('| `spec.tempo.retention` | `24h` | `48h` |');
    expect(after.out).toContain('`Telemetry/mesh-default (patch)`');
    expect(gitIn(generated, 'log', '-1', '--format=%B')).toBe(gitIn(plain, 'log', '-1', '--format=%B'));
    // diff --summary markdown describes the same change after generate (it compares with HEAD, not with disk)
    const dir = repo();
    change(dir);
    expect(run(dir, ['generate']).code).toBe(0);
    expect(run(dir, ['diff']).code).toBe(0);
    const md = run(dir, ['diff', '--summary', 'markdown']);
    expect(md.code).toBe(1);
    expect(md.out).toBe(direct.out);
  });

  it('the description is valid GitHub-flavoured markdown: a new, a changed and a removed environment give tables, no raw | text', () => {
    const dir = repo();
    writeFileSync(join(dir, 'environments/stage.yaml'), readFileSync(join(dir, 'environments/dev.yaml'), 'utf8').replace('name: dev', 'name: stage'));
    edit(join(dir, 'environments/prod.yaml'), 'samplingPercentage: 5', 'samplingPercentage: 7.5');
    rmSync(join(dir, 'environments/teams-demo.yaml'));
    const r = run(dir, ['pr']);
    expect(r.code, r.err).toBe(0);
    expect(gfmProblems(r.out)).toEqual([]);
    const tree = parseGfm(r.out);
    const tables = nodes(tree).filter((n) => n.node.type === 'table');
    // stage: objects; prod: fields and objects; teams-demo: objects
    expect(tables.length).toBeGreaterThanOrEqual(4);
    expect(tables.every((t) => t.ancestors.join('/') === 'root')).toBe(true);
    expect(r.out).toContain('### stage\n\nEnvironment **added**.\n\n| component |');
    expect(r.out).toContain('### teams-demo\n\nEnvironment **removed**.');
    // the checker itself: a table right below a bullet is swallowed by the list item
    expect(gfmProblems('- environment **added**\n| a | b |\n| --- | --- |\n| 1 | 2 |\n')).not.toEqual([]);
  });

  it('commits only environment files and ledger files: an untracked environments/.env (with an AWS key) stays out', () => {
    const dir = repo();
    edit(join(dir, 'environments/prod.yaml'), 'samplingPercentage: 5', 'samplingPercentage: 7.5');
    writeFileSync(join(dir, 'environments/.env'), 'AWS_ACCESS_KEY_ID=AKIA' + 'IOSFODNN7EXAMPLE\n');
    writeFileSync(join(dir, 'environments/notes.txt'), 'todo\n');
    writeFileSync(join(dir, 'out/mine.txt'), 'kept by hand\n');
    const r = run(dir, ['pr']);
    expect(r.code, r.err).toBe(0);
    expect(gitIn(dir, 'diff', '--name-only', 'main', 'HEAD').trim().split('\n')).toEqual(['environments/prod.yaml', 'out/prod/kustomize/istio-telemetry/kustomization.yaml']);
    expect(gitIn(dir, 'ls-files', 'environments/.env', 'environments/notes.txt', 'out/mine.txt').trim()).toBe('');
    expect(r.err).toMatch(/not committed \(not an environment file and not in out\/\.tracestack\/manifest\.json\):\n(  .*\n)*  environments\/\.env/);
    expect(r.err).not.toContain('IOSFODNN7EXAMPLE');
  });

  it('a new environment file and a removed one are committed with their out/ files; stale ledger files are deleted', () => {
    const dir = repo();
    writeFileSync(join(dir, 'environments/stage.yaml'), readFileSync(join(dir, 'environments/dev.yaml'), 'utf8').replace('name: dev', 'name: stage'));
    const r = run(dir, ['pr', '--branch', 'add-stage']);
    expect(r.code, r.err).toBe(0);
    const changed = gitIn(dir, 'diff', '--name-status', 'main', 'HEAD').trim().split('\n');
    expect(changed).toContain('A\tenvironments/stage.yaml');
    expect(changed).toContain('A\tout/stage/helmfile.yaml');
    expect(changed).toContain('M\tout/.tracestack/manifest.json');
    expect(gitIn(dir, 'status', '--porcelain')).toBe('');
    gitIn(dir, 'rm', '-q', 'environments/stage.yaml');
    gitIn(dir, 'commit', '-q', '-m', 'drop stage');
    const again = run(dir, ['pr', '--branch', 'drop-stage']);
    expect(again.code, again.err).toBe(0);
    const removed = gitIn(dir, 'diff', '--name-status', 'HEAD~1', 'HEAD').trim().split('\n');
    expect(removed).toContain('D\tout/stage/helmfile.yaml');
    expect(gitIn(dir, 'status', '--porcelain')).toBe('');
  });
});
