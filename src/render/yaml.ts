import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { packagePath } from '../package.js';
import Handlebars from 'handlebars';
import { Document, parse, visit } from 'yaml';
import { emitYaml } from './emit.js';
import { CappedMemo } from '../startup.js';

const templatesDir = pathToFileURL(packagePath('templates') + '/');
const header = Handlebars.compile(readFileSync(new URL('header.hbs', templatesDir), 'utf8'), { noEscape: true, strict: true });

export const TOOL_VERSION = '0.1.0';

/**
 * Serialize data as YAML. Values go through the yaml library, never pasted into text, so a string holding
 * `: `, `#`, newlines or `{{` stays a string. No line folding: output is stable and diff-friendly.
 */
export function toYaml(data: unknown): string {
  const fast = emitYaml(data, misreadInYaml11);
  if (fast !== undefined) return fast;
  // A fleet renders the same objects many times (environments that differ in a few fields): serialize each
  // distinct value once. The key is exact for plain data (non-finite numbers and -0 are told apart).
  const key = JSON.stringify(data, exactNumbers);
  if (key === undefined) return serialize(data);
  return serialized.get(key, () => serialize(data, key));
}

const YAML_OPTIONS = { lineWidth: 0, minContentWidth: 0, indent: 2 } as const;

/**
 * The readers of these files disagree on YAML versions: Helm, Argo CD and kubectl parse with YAML 1.1 rules (`no`,
 * `on`, `y`, `1_000`, `1:20`, `<<` mean something else there), Kustomize and this tool with 1.2 rules. Serialize
 * with 1.2 (which quotes what 1.2 would misread) and also quote every string that 1.1 would read as anything but
 * that string, so a string is a string to every reader.
 */
export function serialize(data: unknown, json?: string): string {
  const doc = new Document(data, { aliasDuplicateObjects: false });
  if (json === undefined || MAYBE_AMBIGUOUS_JSON.test(json))
    visit(doc, {
      Scalar(_key, node) {
        if (typeof node.value === 'string' && misreadInYaml11(node.value)) node.type = 'QUOTE_DOUBLE';
      },
    });
  return doc.toString(YAML_OPTIONS);
}

/** A JSON text that holds a string starting like a YAML 1.1 bool, null, number, timestamp or merge key. */
const MAYBE_AMBIGUOUS_JSON = /"[-+.0-9~<=nNyYoOtTfF]/;
/**
 * A cheap superset of the YAML 1.1 plain scalars that are not strings (bool, null, int, float, timestamp, merge,
 * value): only these are parsed to be sure.
 */
const MAYBE_NOT_A_STRING_IN_1_1 =
  /^(?:[-+]?[0-9.][0-9a-fA-FxXoObB_:.eE+-]*|[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)|~|[Nn]ull|NULL|[yYnN]|[Yy]es|YES|[Nn]o|NO|[Tt]rue|TRUE|[Ff]alse|FALSE|[Oo]n|ON|[Oo]ff|OFF|<<|=|[0-9]{4}-.*)$/;
const misread = new Map<string, boolean>();
export function misreadInYaml11(s: string): boolean {
  if (s === '<<') return true; // the merge key, as a map key
  if (!MAYBE_NOT_A_STRING_IN_1_1.test(s)) return false;
  let hit = misread.get(s);
  if (hit === undefined) {
    try {
      hit = parse(s, { version: '1.1' }) !== s;
    } catch {
      hit = true; // e.g. `<<` on its own: not a plain string either
    }
    misread.set(s, hit);
  }
  return hit;
}
const serialized = new CappedMemo<string, string>(100_000);
const exactNumbers = (_k: string, v: unknown) => (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? `\u0000number:${Object.is(v, -0) ? '-0' : v}` : v);

/** A generated YAML file: header naming its source, then the document(s). LF, one trailing newline. */
export function yamlFile(source: string, ...docs: unknown[]): string {
  const body = docs.map(toYaml).join('---\n');
  return `${header({ version: TOOL_VERSION, source })}${body}`.replace(/\n*$/, '\n');
}
