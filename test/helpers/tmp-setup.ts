import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * Every test file gets its own temporary folder (TMPDIR, which os.tmpdir() and the CLI processes it starts both
 * read), removed when the file's tests are done: scratch repositories do not pile up in /tmp run after run.
 * Safe because each test file runs in its own worker process (vitest's default forks pool).
 */
const previous = process.env.TMPDIR;
const dir = mkdtempSync(join(tmpdir(), 'tracestack-tests-'));
process.env.TMPDIR = dir;

afterAll(() => {
  if (previous === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = previous;
  rmSync(dir, { recursive: true, force: true });
});
