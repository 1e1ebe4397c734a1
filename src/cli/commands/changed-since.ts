import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CommanderError, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { printResult } from '../output.js';
import { DEFAULTS_FILE } from '../../load/environments.js';
import { git, isGitRepo, repoPrefix, resolveCommit } from '../git.js';

export type Selection = { all: true; reason: string } | { all: false; envs: string[] };

/**
 * Pure: which environments to render, given the environment files (paths inside environments/) that changed since
 * a revision. The shared defaults, any other `_` file, or a deleted environment (its output must be pruned, which
 * only a full run does) mean all.
 */
export function selectChanged(changed: string[], existsNow: (name: string) => boolean): Selection {
  const envs = new Set<string>();
  for (const name of changed) {
    if (!/\.ya?ml$/.test(name) || name.includes('/')) continue;
    if (name === DEFAULTS_FILE || name.startsWith('_')) return { all: true, reason: `${name} changed` };
    if (!existsNow(name)) return { all: true, reason: `${name} was removed` };
    envs.add(name.replace(/\.ya?ml$/, ''));
  }
  return { all: false, envs: [...envs].sort() };
}

/** Environment files changed between REV and the work tree (committed, staged, unstaged and untracked). */
export function changedSince(root: string, rev: string): string[] {
  const prefix = `${repoPrefix(root)}environments/`;
  // resolved to a commit first, and --end-of-options: a revision is never read as an option
  const commit = resolveCommit(root, rev, '--changed-since');
  const tracked = git(root, ['diff', '--name-only', '--no-renames', '-z', '--end-of-options', commit, '--', 'environments/']).split('\0');
  const untracked = git(root, ['ls-files', '--others', '--exclude-standard', '--full-name', '-z', '--', 'environments/']).split('\0');
  return [...new Set([...tracked, ...untracked].filter(Boolean).map((p) => p.slice(prefix.length)))];
}

/** `--changed-since REV` on generate and diff: turned into --env before the command runs. */
export function registerChangedSince(program: Command) {
  for (const name of ['generate', 'diff']) {
    const cmd = program.commands.find((c) => c.name() === name);
    if (!cmd) throw new Error(`internal: the ${name} command is not registered`);
    cmd.option('--changed-since <rev>', 'only environments whose inputs changed since this git revision (a change to _defaults.yaml means all)');
    cmd.hook('preAction', (c) => {
      const rev = c.opts().changedSince as string | undefined;
      if (!rev) return;
      const root: string = program.opts().dir;
      if (c.opts().env?.length) throw new UsageError('--changed-since and --env cannot be combined');
      if (rev.startsWith('-')) throw new UsageError(`--changed-since ${JSON.stringify(rev)}: not a git revision (a revision never starts with "-"; it would be read as an option)`);
      if (!isGitRepo(root)) throw new UsageError(`--changed-since needs a git repository (${root} is not in one)`);
      const changed = changedSince(root, rev); // an unknown revision: a RevisionError, a usage error
      const sel = selectChanged(changed, (f) => existsSync(join(root, 'environments', f)));
      if (sel.all) {
        process.stderr.write(`--changed-since ${rev}: ${sel.reason}; rendering all environments\n`);
        return;
      }
      if (!sel.envs.length) {
        process.stderr.write(`--changed-since ${rev}: no environment changed; nothing to do\n`);
        printResult(c, { rendered: [] });
        throw new CommanderError(0, 'tracestack.nothingChanged', '');
      }
      process.stderr.write(`--changed-since ${rev}: ${sel.envs.join(', ')}\n`);
      c.setOptionValue('env', sel.envs);
    });
  }
}
