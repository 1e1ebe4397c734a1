import type { Diagnostic } from '../diagnostics.js';

/**
 * How diagnostics reach the user. `text`: one line per problem, `file:line:col: severity: path: message`, then the
 * suggestion; on a terminal also the source line with a caret under the column, in colour unless NO_COLOR is set.
 * `json`: the shape in schemas/diagnostics.schema.json (stable; tools may parse it).
 */
export interface ReportOptions {
  format: 'text' | 'json';
  /** Show the source line and a caret (a terminal). */
  frame: boolean;
  colour: boolean;
  /** File contents by path, for code frames. */
  sources?: Map<string, string>;
}

const paint = (on: boolean) => (code: string, s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

export function codeFrame(source: string, line: number, column: number, colour: boolean, secret = false): string {
  const c = paint(colour);
  const lines = source.split('\n');
  const text = lines[line - 1];
  if (text === undefined) return '';
  const gutter = String(line).length;
  let shown = text.replace(/\t/g, ' ');
  // a credential is never shown in full: 4 characters from where it starts, the rest masked
  if (secret) shown = shown.slice(0, column - 1 + 4) + shown.slice(column - 1 + 4).replace(/\S/g, '*');
  const caretPad = ' '.repeat(Math.max(0, column - 1));
  return `${c('2', `${String(line).padStart(gutter)} |`)} ${shown}\n${' '.repeat(gutter)} ${c('2', '|')} ${caretPad}${c('31;1', '^')}`;
}

export function renderText(diagnostics: Diagnostic[], o: Omit<ReportOptions, 'format'>): string {
  const c = paint(o.colour);
  const out: string[] = [];
  for (const d of diagnostics) {
    const sev = d.severity === 'error' ? c('31;1', 'error') : c('33;1', 'warning');
    const path = d.path ? ` ${c('1', d.path)}:` : '';
    out.push(`${c('1', `${d.file}:${d.line}:${d.column}`)}: ${sev}:${path} ${d.message}`);
    const src = o.frame ? o.sources?.get(d.file) : undefined;
    if (src !== undefined) out.push(codeFrame(src, d.line, d.column, o.colour, d.code === 'secret').replace(/^/gm, '  '));
    if (d.suggestion) out.push(`  ${c('36', d.suggestion)}`);
  }
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  if (errors) out.push(`${errors} error${errors === 1 ? '' : 's'}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}; nothing was written.`);
  return out.length ? out.join('\n') + '\n' : '';
}

/** Stable JSON: `{ "ok": bool, "diagnostics": [{file, line, column, path, code, severity, message, suggestion?}] }`. */
export function renderJson(diagnostics: Diagnostic[]): string {
  return jsonDocument(diagnostics);
}

/**
 * Every command's JSON output: `ok` (no error), `diagnostics` as above, then what the command did (`extra`; its
 * `ok`, when given, can only turn ok into false).
 */
export function jsonDocument(diagnostics: Diagnostic[], extra: Record<string, unknown> = {}): string {
  const { ok = true, ...rest } = extra;
  const list = diagnostics.map((d) => ({
    file: d.file,
    line: d.line,
    column: d.column,
    path: d.path,
    code: d.code,
    severity: d.severity,
    message: d.message,
    ...(d.suggestion ? { suggestion: d.suggestion } : {}),
  }));
  return JSON.stringify({ ok: ok !== false && !diagnostics.some((d) => d.severity === 'error'), diagnostics: list, ...rest }, null, 2) + '\n';
}
