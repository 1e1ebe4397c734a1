import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { packagePath } from '../package.js';
import Handlebars from 'handlebars';
import { stringify } from 'yaml';

const templatesDir = pathToFileURL(packagePath('templates') + '/');
const header = Handlebars.compile(readFileSync(new URL('header.hbs', templatesDir), 'utf8'), { noEscape: true, strict: true });

export const TOOL_VERSION = '0.1.0';

/**
 * Serialize data as YAML. Values go through the yaml library, never pasted into text, so a string holding
 * `: `, `#`, newlines or `{{` stays a string. No line folding: output is stable and diff-friendly.
 */
export function toYaml(data: unknown): string {
  // A fleet renders the same objects many times (environments that differ in a few fields): serialize each
  // distinct value once. The key is exact for plain data (non-finite numbers and -0 are told apart).
  const key = JSON.stringify(data, exactNumbers);
  if (key === undefined) return stringify(data, YAML_OPTIONS);
  let text = serialized.get(key);
  if (text === undefined) {
    text = stringify(data, YAML_OPTIONS);
    if (serialized.size > 100_000) serialized.clear();
    serialized.set(key, text);
  }
  return text;
}

const YAML_OPTIONS = { lineWidth: 0, minContentWidth: 0, indent: 2, aliasDuplicateObjects: false } as const;
const serialized = new Map<string, string>();
const exactNumbers = (_k: string, v: unknown) => (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? `\u0000number:${Object.is(v, -0) ? '-0' : v}` : v);

/** A generated YAML file: header naming its source, then the document(s). LF, one trailing newline. */
export function yamlFile(source: string, ...docs: unknown[]): string {
  const body = docs.map(toYaml).join('---\n');
  return `${header({ version: TOOL_VERSION, source })}${body}`.replace(/\n*$/, '\n');
}
