import { CommanderError } from 'commander';
import type { Diagnostic } from '../diagnostics.js';
import { describeFsError, WriteRefused } from '../write/errors.js';
import { jsonDocument } from './report.js';

/** Exit codes: 0 ok; 1 invalid input, drift, a refused write or a failed step; 2 usage or internal error. */
export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;

/**
 * The one usage error: the command line is wrong (unknown option or command, a bad value, an environment, field
 * or revision that does not exist, options that cannot be combined). Exit 2, shown as `error: <message>`.
 */
export class UsageError extends Error {}

/** A git command that failed (exit 1). */
export class GitError extends Error {}

/** A problem as a diagnostic at `<command line>` (the place the pipeline gives an unknown --env): for JSON output. */
export const commandLineDiagnostic = (message: string, code: string): Diagnostic => ({ file: '<command line>', line: 1, column: 1, path: '', code, severity: 'error', message });

/** Diagnostics the pipeline reports about the command line itself (--env naming no environment): usage errors. */
export function throwCommandLineProblems(diagnostics: Diagnostic[]): void {
  const bad = diagnostics.filter((d) => d.code === 'unknown-environment');
  if (bad.length) throw new UsageError(bad.map((d) => d.message).join('; '));
}

/**
 * What every error that ends a command becomes: its exit code, `error: <message>` on stderr (commander prints its
 * own), and with --format json also `{ ok: false, diagnostics: [...] }` on stdout, so the output always parses.
 */
export function handleError(e: unknown, json: boolean): number {
  const fail = (message: string, code: string, exit: number, print = true) => {
    if (print) process.stderr.write(`error: ${message}\n`);
    if (json) process.stdout.write(jsonDocument([commandLineDiagnostic(message, code)]));
    return exit;
  };
  if (e instanceof CommanderError) {
    // help, --version, or nothing to do (--changed-since): not an error
    if (e.exitCode === 0) return EXIT.ok;
    return fail(e.message.replace(/^error: /, ''), 'usage', EXIT.usage, false);
  }
  if (e instanceof UsageError) return fail(e.message, 'usage', EXIT.usage);
  if (e instanceof WriteRefused) return fail(e.message, 'write-refused', EXIT.invalid);
  // a file-system error (disk full, read-only, permission denied, ...): the cause and the path, not a stack
  const fs = describeFsError(e);
  if (fs) return fail(fs, 'file-system', EXIT.invalid);
  if (e instanceof GitError) return fail(e.message, 'git', EXIT.invalid);
  process.stderr.write(`internal error: ${(e as Error).stack ?? e}\n`);
  if (json) process.stdout.write(jsonDocument([commandLineDiagnostic(`internal error: ${(e as Error).message ?? e}`, 'internal')]));
  return EXIT.usage;
}
