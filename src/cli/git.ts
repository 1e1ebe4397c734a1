import { execFileSync, spawnSync } from 'node:child_process';
import { GitError, UsageError } from './errors.js';

export { GitError };

/** git in the given folder; stdout as text. Throws with git's stderr on failure. */
export function git(cwd: string, args: string[], input?: string): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', input, maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new GitError(`git ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

/** A git revision given on the command line that names no commit: a usage error (exit 2). */
export class RevisionError extends UsageError {}

/**
 * The commit a revision given by the user names. A revision is never passed where git could read it as an option:
 * one that starts with "-" is refused, and the lookup itself ends option parsing first.
 */
export function resolveCommit(root: string, rev: string, option: string): string {
  if (!rev || rev.startsWith('-') || /[\0\n]/.test(rev)) throw new RevisionError(`${option} ${JSON.stringify(rev)}: not a git revision (a revision never starts with "-")`);
  const r = spawnSync('git', ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], { cwd: root, encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new RevisionError(`${option} ${rev}: no such commit in the git repository at ${root}`);
  return r.stdout.trim();
}

export function isGitRepo(cwd: string): boolean {
  const r = spawnSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd, encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() === 'true';
}

/** The folder's path inside its repository, with a trailing slash ("" at the top level). */
export const repoPrefix = (cwd: string) => git(cwd, ['rev-parse', '--show-prefix']).trim();

export function onPath(cmd: string): boolean {
  try {
    execFileSync(process.platform === 'win32' ? 'where' : 'which', [cmd], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
