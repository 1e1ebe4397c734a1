import { closest } from '../diagnostics.js';
import { exampleText, fields, type FieldDoc } from './reference.js';

type Schema = Record<string, any>;

/**
 * Accepts `spec.tempo.retention`, `tempo.retention` (spec implied), `Environment.spec...`, `/` separators, and list
 * items as `teams.name`, `teams[].name` or `teams[0].name`.
 */
export function normalizeFieldPath(input: string): string {
  let p = input.trim().replace(/^\.+|\.+$/g, '').replace(/\//g, '.');
  if (/^environment(\.|$)/i.test(p)) p = p.replace(/^environment\.?/i, '');
  return p.replace(/\[\d*\]/g, '');
}

export type ExplainResult = { ok: true; text: string; json: ExplainJson } | { ok: false; message: string };

export interface ExplainJson {
  /** The field (absent for the whole file). */
  field?: FieldDoc;
  description: string;
  /** Its sub-fields: of the map, or of one item of the list. */
  fields: FieldDoc[];
}

/** Documentation of one field, shaped like `kubectl explain`: kind, type, default, description, examples, fields. */
export function explain(root: Schema, input: string): ExplainResult {
  const all = fields(root);
  const want = normalizeFieldPath(input);
  // list items are documented as <list>[].<field>; look them up without the brackets
  const byPlainPath = new Map(all.map((f) => [f.path.replace(/\[\]/g, ''), f]));
  const field = want === '' ? undefined : (byPlainPath.get(want) ?? byPlainPath.get(`spec.${want}`));
  if (want !== '' && !field) {
    const last = want.split('.').pop()!;
    const guess = closest(last, [...new Set(all.map((f) => f.path.split('.').pop()!))]);
    const near = guess ? all.filter((f) => f.path.endsWith(`.${guess}`)).map((f) => f.path.replace(/\[\]/g, '')) : [];
    return { ok: false, message: `no field "${input}" in the Environment schema${near.length ? `; did you mean ${near.slice(0, 3).join(', ')}?` : ''}` };
  }
  const path = field?.path ?? '';
  const childOf = (f: FieldDoc) => {
    for (const prefix of path ? [`${path}.`, `${path}[].`] : ['']) if (f.path.startsWith(prefix) && !/[.]/.test(f.path.slice(prefix.length))) return true;
    return false;
  };
  const children = all.filter(childOf);
  const description = field ? field.description : String(root.description ?? '');
  const json: ExplainJson = { ...(field ? { field: { ...field, path: field.path.replace(/\[\]/g, '') } } : {}), description, fields: children.map((c) => ({ ...c, path: c.path.replace(/\[\]/g, '') })) };
  const lines: string[] = ['KIND:     Environment', 'VERSION:  tracestack.dev/v1alpha1', ''];
  if (field) {
    lines.push(`FIELD:    ${field.path.replace(/\[\]/g, '')} <${plainType(field)}>${field.required ? ' (required)' : ''}`, '');
    if (field.default !== undefined) lines.push(`DEFAULT:  ${JSON.stringify(field.default)}`, '');
  }
  lines.push('DESCRIPTION:', ...wrap(description, 4), '');
  if (field?.examples?.length) lines.push('EXAMPLES:', ...field.examples.map((e) => `    ${field.path.split('.').pop()}: ${exampleText(e)}`), '');
  if (children.length) {
    lines.push(field?.type.startsWith('list of') ? 'FIELDS (of each item):' : 'FIELDS:');
    for (const c of children) {
      lines.push(`  ${c.path.split('.').pop()}\t<${plainType(c)}>${c.required ? ' -required-' : ''}${c.default !== undefined ? `  (default ${JSON.stringify(c.default)})` : ''}`);
      lines.push(...wrap(c.description, 4), '');
    }
  }
  return { ok: true, text: lines.join('\n').replace(/\n+$/, '') + '\n', json };
}

const plainType = (f: FieldDoc) => f.type.replace(/\\\|/g, '|').replace(/`/g, '');

function wrap(text: string, indent: number, width = 100): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent + line.length + 1 + word.length > width) {
      out.push(' '.repeat(indent) + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(' '.repeat(indent) + line);
  return out.length ? out : [' '.repeat(indent) + '(no description)'];
}
