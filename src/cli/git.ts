import { execFileSync, spawnSync } from 'node:child_process';

/** git in the given folder; stdout as text. Throws with git's stderr on failure. */
export function git(cwd: string, args: string[], input?: string): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', input, maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new GitError(`git ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

export class GitError extends Error {}

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
