import { createTwoFilesPatch } from 'diff';
import { fields } from '../docs/reference.js';
import type { FileTree } from '../plan/plan.js';
import type { Change } from '../write/write.js';
import { ownerOf, summarizeObjects, type ObjectSummary } from './objects.js';
import { redactSecretPair } from './redact.js';
import type { SpecChange } from './spec.js';
import type { MigrationNote } from './migrations/index.js';
import { tempoMigrationSteps } from './migrations/tempo.js';

/**
 * What a change means for a phased migration in progress (Tempo 2 -> 3), per environment: what it does and what to
 * verify (by hand) before the next phase, from the spec changes. Switches of the edge or the mesh mode compare whole
 * environments instead and arrive as MigrationNote objects (src/diff/migrations/index.ts migrationNotes).
 */
export function phaseNotes(spec: SpecChange[], env: string): string[] {
  return [...tempoMigrationSteps(spec, env)];
}

export interface FileDiff {
  file: string;
  kind: Change['kind'];
  env?: string;
  component?: string;
  patch: string;
}

export interface DiffReport {
  /** Output folder as a path from the repository root. */
  outPath: string;
  files: FileDiff[];
  objects: ObjectSummary[];
  spec: SpecChange[];
  /** Where the old spec values came from, e.g. "git HEAD", or why there are none. */
  baseline: string;
  /** Migrations the spec change amounts to (edge, mesh mode): what changes and what the user does by hand. */
  migrations: MigrationNote[];
}

/** Pure: the changes compareWithDisk found, the texts on disk, and the planned tree -> patches and summaries. */
export function buildReport(input: { outPath: string; changes: Change[]; onDisk: (file: string) => string | undefined; planned: FileTree; spec: SpecChange[]; baseline: string; migrations?: MigrationNote[] }): DiffReport {
  const files: FileDiff[] = [];
  const pairs: Array<{ file: string; before?: string; after?: string }> = [];
  for (const c of input.changes) {
    const before = c.kind === 'missing' ? undefined : input.onDisk(c.file);
    const after = c.kind === 'stale' ? undefined : input.planned.get(c.file);
    pairs.push({ file: c.file, before, after });
    const [a, b] = redactSecretPair(before ?? '', after ?? '');
    const path = `${input.outPath}/${c.file}`;
    const patch = createTwoFilesPatch(before === undefined ? '/dev/null' : `a/${path}`, after === undefined ? '/dev/null' : `b/${path}`, a, b, undefined, undefined, { context: 3 });
    files.push({ file: c.file, kind: c.kind, ...ownerOf(c.file), patch: patch.replace(/^=+\n/, '') });
  }
  return { outPath: input.outPath, files, objects: summarizeObjects(pairs), spec: input.spec, baseline: input.baseline, migrations: files.length ? (input.migrations ?? []) : [] };
}

export const hasChanges = (r: DiffReport) => r.files.length > 0;

const COLOURS = { red: 31, green: 32, cyan: 36, bold: 1 } as const;
const paint = (on: boolean, c: keyof typeof COLOURS, s: string) => (on ? `\x1b[${COLOURS[c]}m${s}\x1b[0m` : s);

/** Unified diffs, then the per-environment/component summary. */
export function renderText(r: DiffReport, colour: boolean): string {
  const out: string[] = [];
  for (const f of r.files) {
    for (const line of f.patch.replace(/\n$/, '').split('\n')) {
      if (line.startsWith('+++') || line.startsWith('---')) out.push(paint(colour, 'bold', line));
      else if (line.startsWith('@@')) out.push(paint(colour, 'cyan', line));
      else if (line.startsWith('+')) out.push(paint(colour, 'green', line));
      else if (line.startsWith('-')) out.push(paint(colour, 'red', line));
      else out.push(line);
    }
  }
  out.push('', paint(colour, 'bold', 'Summary (objects added, changed, removed):'));
  for (const o of r.objects) out.push(`  ${o.env}/${o.component}: ${counts(o)}${o.changed.length + o.added.length + o.removed.length <= 6 ? `  (${[...o.added.map((x) => `+${x}`), ...o.changed.map((x) => `~${x}`), ...o.removed.map((x) => `-${x}`)].join(', ')})` : ''}`);
  if (r.spec.length) {
    out.push('', paint(colour, 'bold', `Spec changes (compared with ${r.baseline}):`));
    for (const s of r.spec) out.push(`  ${specLine(s)}`);
    for (const env of [...new Set(r.spec.map((s) => s.env))]) {
      const notes = phaseNotes(r.spec, env);
      if (notes.length) out.push('', paint(colour, 'bold', `${env}:`), ...notes.map((l) => `  ${l}`));
    }
  }
  for (const m of r.migrations) out.push('', ...migrationText(m).map((l, i) => (i === 0 ? paint(colour, 'bold', l) : l)));
  out.push(`${r.files.length} file${r.files.length === 1 ? '' : 's'} would change; run \`tracestack generate\`.`);
  return out.join('\n') + '\n';
}

const counts = (o: ObjectSummary) => `${o.added.length} added, ${o.changed.length} changed, ${o.removed.length} removed`;
/** A value on one line (a heading or a table cell ends at a line break). */
const show = (v: string | undefined) => (v === undefined ? '(unset)' : String(v.startsWith('"') ? JSON.parse(v) : v).replace(/\r?\n/g, '\\n'));
const specLine = (s: SpecChange) => (s.path === '' ? `${s.env}: environment ${s.old ? 'removed' : 'added'}` : `${s.env}: ${s.path} ${show(s.old)} -> ${show(s.new)}`);

/** One line for a commit subject or PR title. */
export function title(r: DiffReport): string {
  const envs = [...new Set(r.files.map((f) => f.env).filter((e): e is string => !!e))].sort();
  const first = r.spec.filter((s) => s.path !== '');
  if (first.length === 1) return `tracestack: ${specLine(first[0])}`;
  if (first.length > 1) return `tracestack: ${[...new Set(first.map((s) => s.env))].join(', ')}: ${first.length} spec changes`;
  return `tracestack: regenerate ${envs.join(', ') || 'out/'}`;
}

/** A PR description a reviewer reads in a minute: what changed in which environment, and which fields caused it. */
export function renderMarkdown(r: DiffReport, schema: Record<string, unknown>, graphs: ReadonlyMap<string, string> = new Map()): string {
  const docs = new Map(fields(schema).map((f) => [f.path, f.description]));
  const firstSentence = (path: string) => (docs.get(path) ?? '').split(/(?<=[a-z0-9)]\.)\s(?=[A-Z])/)[0];
  const envs = [...new Set([...r.objects.map((o) => o.env), ...r.spec.map((s) => s.env)])].sort();
  const out: string[] = [`## ${title(r).replace(/^tracestack: /, '')}`, ''];
  out.push(
    `Rendered by \`tracestack generate\`. ${r.files.length} file${r.files.length === 1 ? '' : 's'} under \`${r.outPath}/\` change; spec values are compared with ${r.baseline}.`,
    '',
  );
  for (const env of envs) {
    out.push(`### ${env}`, '');
    const spec = r.spec.filter((s) => s.env === env);
    // a blank line after each paragraph or list: a table right below a bullet would be read as part of it
    if (spec.some((s) => s.path === '')) out.push(`Environment ${spec.find((s) => s.path === '')!.old ? '**removed**' : '**added**'}.`, '');
    const fieldChanges = spec.filter((s) => s.path !== '');
    if (fieldChanges.length) {
      out.push('| field | old | new | meaning |', '| --- | --- | --- | --- |');
      for (const s of fieldChanges) out.push(`| \`${s.path}\` | ${cell(show(s.old))} | ${cell(show(s.new))} | ${firstSentence(s.path).replace(/\|/g, '\\|')} |`);
      out.push('');
    } else if (!spec.length && env !== 'base' && env !== 'fleet') out.push('No spec field changed (the rendering itself changed, e.g. a new tracestack version).', '');
    const notes = phaseNotes(r.spec, env);
    // a heading line, then its list; a blank line after each list
    if (notes.length) out.push(...notes.flatMap((l, i) => (l.startsWith('- ') ? [l] : [...(i && notes[i - 1].startsWith('- ') ? [''] : []), `**${l}**`, ''])), '');
    const objs = r.objects.filter((o) => o.env === env);
    if (objs.length) {
      out.push('| component | added | changed | removed |', '| --- | --- | --- | --- |');
      for (const o of objs) out.push(`| ${o.component} | ${list(o.added)} | ${list(o.changed)} | ${list(o.removed)} |`);
      out.push('');
    }
    for (const m of r.migrations.filter((x) => x.env === env)) out.push(...migrationMarkdown(m));
    out.push(...graphSection(graphs.get(env)));
  }
  out.push('<details><summary>Files</summary>', '', ...r.files.map((f) => `- ${f.kind === 'missing' ? 'added' : f.kind === 'stale' ? 'deleted' : 'changed'}: \`${r.outPath}/${f.file}\``), '', '</details>');
  return out.join('\n') + '\n';
}

/** A migration in the PR description: what changes, and what the user must do by hand (tracestack does not). */
function migrationMarkdown(m: MigrationNote): string[] {
  return [
    `#### Migration: ${m.title}`,
    '',
    'What this change does:',
    '',
    ...m.changes.map((c) => `- ${c}`),
    '',
    ...(m.manual.length ? ['**What you must do by hand:**', '', ...m.manual.map((c) => `- [ ] ${c}`), ''] : []),
    ...(m.see ? [`Runbook: ${m.see}.`, ''] : []),
  ];
}

/** The same for a terminal (backticks and bold markers dropped). */
function migrationText(m: MigrationNote): string[] {
  const plain = (s: string) => s.replace(/\*\*/g, '').replace(/`/g, '');
  return [`Migration ${m.env}: ${m.title}`, ...m.changes.map((c) => `  changes: ${plain(c)}`), ...m.manual.map((c) => `  by hand: ${plain(c)}`), ...(m.see ? [`  runbook: ${m.see}`] : [])];
}

/** The environment's trace path as a Mermaid block (GitHub renders it), folded; nothing without one. */
function graphSection(mermaid: string | undefined): string[] {
  if (!mermaid) return [];
  return ['<details><summary>Trace path (after this change)</summary>', '', '```mermaid', mermaid.replace(/\n$/, ''), '```', '', '</details>', ''];
}

const cell = (s: string) => `\`${String(s).replace(/\|/g, '\\|').replace(/`/g, "'")}\``;
const list = (xs: string[]) => (xs.length ? xs.map((x) => `\`${x}\``).join(', ') : '–');

export function renderJson(r: DiffReport): string {
  return JSON.stringify({ changed: hasChanges(r), ...r }, null, 2) + '\n';
}
