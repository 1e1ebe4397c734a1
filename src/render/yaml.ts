import { existsSync, readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { stringify } from 'yaml';

// templates/ sits at the package root: two levels up from dist/render/ or src/render/, one from the bundle in dist/.
const templatesDir = ['../../templates/', '../templates/'].map((p) => new URL(p, import.meta.url)).find((u) => existsSync(new URL('header.hbs', u)))!;
const header = Handlebars.compile(readFileSync(new URL('header.hbs', templatesDir), 'utf8'), { noEscape: true, strict: true });

export const TOOL_VERSION = '0.1.0';

/**
 * Serialize data as YAML. Values go through the yaml library, never pasted into text, so a string holding
 * `: `, `#`, newlines or `{{` stays a string. No line folding: output is stable and diff-friendly.
 */
export function toYaml(data: unknown): string {
  return stringify(data, { lineWidth: 0, minContentWidth: 0, indent: 2, aliasDuplicateObjects: false });
}

/** A generated YAML file: header naming its source, then the document(s). LF, one trailing newline. */
export function yamlFile(source: string, ...docs: unknown[]): string {
  const body = docs.map(toYaml).join('---\n');
  return `${header({ version: TOOL_VERSION, source })}${body}`.replace(/\n*$/, '\n');
}
