import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { readInputs } from '../../src/cli/io.js';
import { generate } from '../../src/pipeline.js';
import type { FileTree } from '../../src/plan/plan.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The command exactly as `npm install` ships it (bin/tracestack.cjs running the bundle dist/tracestack.cjs). */
export const CLI = join(REPO, 'bin/tracestack.cjs');

/** Render the committed example environments in memory, exactly as `tracestack generate` would. */
export function renderExamples(root = REPO): FileTree {
  const r = generate(readInputs(root), { outPath: 'out' });
  if (!r.tree) throw new Error(`examples do not render:\n${r.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.message}`).join('\n')}`);
  return r.tree;
}

/** All files below dir, as POSIX paths relative to it. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}

export function readTree(dir: string): Map<string, string> {
  return new Map(listFiles(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

export function yamlDocs(text: string): any[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS())
    .filter((d) => d !== null && d !== undefined);
}

/** A scratch copy of the repository inputs (environments/ and, if asked, out/) in a temp folder. */
export function scratchRepo(withOut = true): string {
  const dir = mkdtempSync(join(tmpdir(), 'tracestack-test-'));
  cpSync(join(REPO, 'environments'), join(dir, 'environments'), { recursive: true });
  if (withOut) cpSync(join(REPO, 'out'), join(dir, 'out'), { recursive: true });
  return dir;
}

export const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();
