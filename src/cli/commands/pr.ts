import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Diagnostic } from '../../diagnostics.js';
import { buildReport, renderMarkdown, title } from '../../diff/report.js';
import { backupTree, readLedger, recoverInterruptedWrite, writeTree, WriteLock } from '../../write/write.js';
import { describeFsError, WriteRefused } from '../../write/errors.js';
import { LEDGER_PATH } from '../../plan/plan.js';
import { scanInputFile } from '../../verify/secrets.js';
import { environmentSchema } from '../../validate/schema.js';
import { git, GitError, isGitRepo, onPath, repoPrefix } from '../git.js';
import { computeReport } from '../diff-report.js';
import { changedGraphs } from '../../graph/summary.js';
import { validateInputs } from '../../pipeline.js';
import { readInputs } from '../io.js';
import { commandLineDiagnostic, EXIT, UsageError } from '../errors.js';
import { jsonDocument } from '../report.js';
import { printResult, reportDiagnostics, wantsJson } from '../output.js';

interface PrOptions {
  out: string;
  branch?: string;
  base: string;
  open?: boolean;
  remote: string;
}

/** Set when the command starts: whether a failure also prints the JSON document. */
let json = false;

/** pr could not do its job (exit 1): the message, and with JSON the document with it and the problems behind it. */
const fail = (message: string, diagnostics: Diagnostic[] = []) => {
  process.stderr.write(`error: ${message}\n`);
  if (json) process.stdout.write(jsonDocument([...diagnostics, commandLineDiagnostic(message, 'pr-failed')]));
  process.exitCode = EXIT.invalid;
};

/**
 * `tracestack pr`: on a work tree whose only changes are in environments/ and out/, create a branch, generate,
 * commit environments/ and out/ with a message built from the change summary, and print the PR body. With --open,
 * push and open the pull request with gh (GitHub) or glab (GitLab).
 */
export function registerPr(program: Command) {
  program
    .command('pr')
    .description('Create a branch, generate, commit environments/ and out/ with a summary message, and print the PR body (--open: push and open it with gh or glab).')
    .option('-o, --out <dir>', 'output folder, inside the repository', 'out')
    .option('-b, --branch <name>', 'branch to create (default: tracestack/<environments>-<hash of the inputs>)')
    .option('--base <rev>', 'revision the spec changes are described against', 'HEAD')
    .option('--open', 'push the branch and open a pull request with gh or glab')
    .option('--remote <name>', 'remote to push to with --open', 'origin')
    .action(async (opts: PrOptions, cmd: Command) => {
      json = wantsJson(cmd);
      const root: string = program.opts().dir;
      if (!isGitRepo(root)) return fail(`${root} is not inside a git repository`);
      const prefix = repoPrefix(root);
      const outPrefix = `${prefix}${opts.out.replace(/^\.\/|\/$/g, '')}/`;
      const envPrefix = `${prefix}environments/`;
      // Only the inputs and the output may differ from HEAD: the commit must contain exactly what tracestack owns.
      const dirty = status(root).filter((p) => !p.startsWith(envPrefix) && !p.startsWith(outPrefix));
      if (dirty.length) return fail(`the work tree has changes outside environments/ and ${opts.out}/; commit or stash them first:\n  ${dirty.join('\n  ')}`);

      const computed = computeReport(root, { out: opts.out, base: opts.base });
      if (!computed.result.tree) {
        reportDiagnostics(computed.diagnostics, false);
        return fail('nothing was committed', computed.diagnostics);
      }
      const specSummary = computed.baseReport?.spec ?? [];
      const inputsHash = createHash('sha256');
      // the environment files only: the branch name does not depend on whether generate already ran
      for (const p of status(root).filter((p) => p.startsWith(envPrefix))) inputsHash.update(p).update('\0');
      for (const [f, c] of computed.result.tree) inputsHash.update(f).update(c);
      const envs = [...new Set(specSummary.map((s) => s.env))];
      const branch = opts.branch ?? `tracestack/${envs.length && envs.length <= 3 ? envs.join('-') : 'update'}-${inputsHash.digest('hex').slice(0, 8)}`;
      if (branch.startsWith('-') || spawnSync('git', ['check-ref-format', '--branch', branch], { cwd: root }).status !== 0) throw new UsageError(`${branch} is not a valid branch name`);
      if (spawnSync('git', ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], { cwd: root }).status === 0) return fail(`branch ${branch} already exists`);

      // Where the user is now, to come back to exactly if any later step fails (hook, disk, git).
      const startBranch = spawnSync('git', ['symbolic-ref', '-q', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim();
      const startCommit = spawnSync('git', ['rev-parse', '--verify', '--quiet', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim();
      if (!startCommit) return fail('tracestack pr needs a commit to branch from (this repository has none yet)');
      const index = spawnSync('git', ['write-tree'], { cwd: root, encoding: 'utf8' });
      if (index.status !== 0) return fail(`the git index cannot be saved (unresolved conflicts?): ${index.stderr.trim()}`);
      const startIndex = index.stdout.trim();

      const outRel = opts.out.replace(/^\.\/|\/$/g, '');
      const ownedBefore = safeLedgerFiles(computed.outDir);
      // The writer lock is held from before the branch is made until the commit is done: out/ changes only here.
      const lock = WriteLock.acquire(computed.outDir);
      let backup: ReturnType<typeof backupTree>;
      let switched = false;
      let written = false;
      let subject: string;
      let body: string;
      let report: ReturnType<typeof buildReport>;
      let credentials: Diagnostic[] = [];
      try {
        for (const n of recoverInterruptedWrite(computed.outDir, lock)) process.stderr.write(`note: ${n}\n`);
        backup = backupTree(computed.outDir, lock);
        git(root, ['switch', '-q', '-c', branch]);
        switched = true;
        await writeTree(computed.outDir, computed.result.tree, computed.result.rendered, true, false, lock);
        written = true;
        // Exactly what tracestack owns: the environment files and the ledger's files (plus the ledger, and ledger
        // files it pruned). Anything else in environments/ or out/ (an .env, notes, a file put in out/ by hand) stays
        // out of the commit, even when it is untracked.
        const tracked = new Set(git(root, ['ls-files', '-z', '--', 'environments', outRel]).split('\0').filter(Boolean)); // relative to root, like the paths below
        const envFiles = [...new Set([...(existsSync(join(root, 'environments')) ? readdirSync(join(root, 'environments')) : []).map((f) => `environments/${f}`), ...[...tracked].filter((p) => p.startsWith('environments/'))])].filter(isEnvironmentFile);
        const outFiles = [...new Set([...safeLedgerFiles(computed.outDir), ...ownedBefore, LEDGER_PATH])].map((f) => `${outRel}/${f}`);
        const paths = [...envFiles, ...outFiles].filter((p) => tracked.has(p) || existsSync(join(root, p)));
        git(root, ['--literal-pathspecs', 'add', '-A', '--pathspec-from-file=-', '--pathspec-file-nul'], paths.join('\0'));
        const left = status(root).filter((p) => p.startsWith(envPrefix) || p.startsWith(outPrefix)).filter((p) => !paths.includes(p.slice(prefix.length)));
        if (left.length) process.stderr.write(`not committed (not an environment file and not in ${outRel}/${LEDGER_PATH}):\n  ${left.join('\n  ')}\n`);
        const staged = git(root, ['diff', '--cached', '--name-only', '-z']).split('\0').filter(Boolean);
        if (!staged.length) {
          backToStart(root, startBranch, startCommit, branch, startIndex);
          switched = false;
          process.stderr.write('nothing to commit: environments/ and out/ match HEAD\n');
          return printResult(cmd, { committed: false });
        }
        // Everything about to be committed is scanned for credentials, whole (comments too), as committed.
        const found = stagedContents(root, staged).flatMap(([file, text]) => scanInputFile(file, text, 'commit'));
        if (found.length) {
          credentials = found;
          reportDiagnostics(found, false);
          throw new WriteRefused('credentials found in what would be committed (above)');
        }
        // Described against --base (its out/ and environment files) with the fresh render: the same description
        // whether or not generate already ran.
        report = computed.baseReport!;
        subject = title(report);
        body = renderMarkdown(report, environmentSchema);
        // the message goes through stdin, never as an argument (no length limit, never read as an option)
        git(root, ['commit', '-q', '-F', '-'], `${subject}\n\n${body}`);
        switched = false;
      } catch (e) {
        // Undo everything: out/ as it was, back on the starting branch, the index as it was, no new branch.
        const undone: string[] = [];
        try {
          if (written && backup) (backup.restore(), undone.push(`${opts.out}/ restored`));
          else if (written) (rmSync(computed.outDir, { recursive: true, force: true }), undone.push(`${opts.out}/ removed again`)); // there was none
          if (switched) (backToStart(root, startBranch, startCommit, branch, startIndex), undone.push(`back on ${startBranch || `commit ${startCommit.slice(0, 12)}`}`, `branch ${branch} removed`));
        } catch (undo) {
          process.stderr.write(`error: undoing failed too: ${describeFsError(undo) ?? (undo as Error).message}\n`);
        }
        const why = e instanceof WriteRefused || e instanceof GitError ? e.message : describeFsError(e);
        if (!why) throw e;
        return fail(`${why}\nnothing was committed${undone.length ? ` (${undone.join(', ')})` : ''}`, credentials);
      } finally {
        backup?.remove();
        lock.release();
      }
      const commit = git(root, ['rev-parse', '--short', 'HEAD']).trim();
      process.stderr.write(`created branch ${branch} with commit ${commit}: ${subject}\n`);
      // the PR description (not the commit message) also shows each changed environment's trace path as Mermaid
      const prBody = renderMarkdown(report, environmentSchema, changedGraphs(validateInputs(readInputs(root)).environments, [...report.objects.map((o) => o.env), ...report.spec.map((s) => s.env)]));
      if (!json) process.stdout.write(prBody);
      if (opts.open && !openPr(root, opts.remote, branch, subject, prBody)) return;
      if (json) printResult(cmd, { committed: true, branch, commit, subject, body: prBody, opened: Boolean(opts.open) });
    });
}

function status(root: string): string[] {
  // -z: paths verbatim, relative to the repository top; renames give two entries (both are checked).
  return git(root, ['status', '--porcelain=v1', '-z', '--untracked-files=all'])
    .split('\0')
    .filter(Boolean)
    .map((e) => (/^[ MADRCU?!]{2} /.test(e) ? e.slice(3) : e));
}

/** Back on the branch (or detached commit) pr started from, with the index as it was; the new branch deleted. */
function backToStart(root: string, startBranch: string, startCommit: string, branch: string, startIndex: string) {
  git(root, startBranch ? ['switch', '-q', startBranch] : ['switch', '-q', '--detach', startCommit]);
  git(root, ['read-tree', startIndex]);
  git(root, ['branch', '-q', '-D', branch]);
}

/** environments/<name>.yaml (or .yml) and _defaults.yaml: the files tracestack reads. */
const isEnvironmentFile = (p: string) => /^environments\/[^/]+\.ya?ml$/.test(p) && !/^environments\/[._]/.test(p) || p === 'environments/_defaults.yaml';

function safeLedgerFiles(outDir: string): string[] {
  try {
    return readLedger(outDir)?.files ?? [];
  } catch {
    return [];
  }
}

/** The staged (index) contents of the given repository paths, read in one git process. */
function stagedContents(root: string, paths: string[]): Array<[string, string]> {
  const present = git(root, ['diff', '--cached', '--name-only', '-z', '--diff-filter=d']).split('\0').filter((p) => p && paths.includes(p));
  if (!present.length) return [];
  const r = spawnSync('git', ['cat-file', '--batch'], { cwd: root, input: present.map((p) => `:${p}\n`).join(''), maxBuffer: 256 * 1024 * 1024 });
  const out: Array<[string, string]> = [];
  let at = 0;
  const buf = r.stdout;
  for (const p of present) {
    const nl = buf.indexOf(0x0a, at);
    const size = Number(buf.subarray(at, nl).toString('utf8').split(' ')[2]);
    out.push([p, buf.subarray(nl + 1, nl + 1 + size).toString('utf8')]);
    at = nl + 1 + size + 1;
  }
  return out;
}

/** Push and open the pull request; false (reported) when that failed. */
function openPr(root: string, remote: string, branch: string, subject: string, body: string): boolean {
  const tool = onPath('gh') ? 'gh' : onPath('glab') ? 'glab' : undefined;
  if (!tool) return (fail(`--open needs gh (GitHub) or glab (GitLab) on PATH; the commit is on branch ${branch}, push it and open the PR by hand`), false);
  try {
    git(root, ['push', '-q', '-u', '--end-of-options', remote, branch]);
  } catch (e) {
    return (fail(`${(e as Error).message}\nthe commit is on branch ${branch}; push it and open the PR by hand`), false);
  }
  // The body never goes on the command line (a long body would exceed the argument size limit): gh reads it from
  // stdin, glab takes title and description from the commit message (--fill), which is the same text.
  const args =
    tool === 'gh'
      ? ['pr', 'create', '--head', branch, '--title', subject, '--body-file', '-']
      : ['mr', 'create', '--source-branch', branch, '--fill', '--yes'];
  const r = spawnSync(tool, args, { cwd: root, input: body, stdio: ['pipe', json ? 2 : 'inherit', 'inherit'] }); // JSON: stdout is the one document
  if (r.status !== 0) return (fail(`${tool} ${args.slice(0, 2).join(' ')} failed; the branch ${branch} is pushed`), false);
  return true;
}
