import { scratchRepo } from './repo.js';
import { execFileSync } from 'node:child_process';

/** A real git in a temp repository, with a fixed identity (tests never depend on the user's git config). */
export const GIT_ENV = {
  GIT_AUTHOR_NAME: 'tracestack test',
  GIT_AUTHOR_EMAIL: 'test@tracestack.invalid',
  GIT_COMMITTER_NAME: 'tracestack test',
  GIT_COMMITTER_EMAIL: 'test@tracestack.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

export function gitIn(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, ...GIT_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** git init + one commit of everything in dir, on branch main. */
export function initRepo(dir: string): void {
  gitIn(dir, 'init', '-q', '-b', 'main');
  gitIn(dir, 'add', '-A');
  gitIn(dir, 'commit', '-q', '-m', 'initial');
}

/** A scratch copy of the repository inputs and out/, committed in a fresh git repository. */
export function gitScratchRepo(): string {
  const dir = scratchRepo();
  initRepo(dir);
  return dir;
}
