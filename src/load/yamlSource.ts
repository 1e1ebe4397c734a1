import { isMap, isPair, isScalar, isSeq, LineCounter, parse, parseDocument, Scalar, type Node } from 'yaml';
import type { Diagnostic, SourcePosition } from '../diagnostics.js';
import { findIndentProblem } from './indentation.js';
import { CappedMemo } from '../startup.js';

/** A parsed YAML file: its plain data and where each value (and each map key) sits in the source. */
export interface SourceFile {
  file: string;
  data: unknown;
  /** JSON pointer -> position of the value. */
  values: Map<string, SourcePosition>;
  /** JSON pointer -> position of the map key that holds the value. */
  keys: Map<string, SourcePosition>;
}

export const escapePointer = (s: string | number) => String(s).replace(/~/g, '~0').replace(/\//g, '~1');

const MAX_ALIAS_COUNT = 100;

/** yaml's error codes, said in the user's terms. */
const YAML_PROBLEMS: Record<string, { code: string; message: string; suggestion?: string }> = {
  DUPLICATE_KEY: { code: 'duplicate-key', message: 'duplicate key: each key may appear once in a map (YAML does not let the last one win here)' },
  MULTIPLE_DOCS: { code: 'multiple-documents', message: 'the file holds several YAML documents (---); an environment file holds exactly one', suggestion: 'Put each environment in its own file, environments/<name>.yaml.' },
  TAB_AS_INDENT: { code: 'tab-indent', message: 'a tab is used for indentation; YAML indents with spaces only', suggestion: 'Replace the tab with spaces.' },
  TAG_RESOLVE_FAILED: { code: 'yaml-tag', message: 'unknown YAML tag; environment files use plain YAML values only' },
};

/** Parse YAML text, keeping source positions. Returns diagnostics instead of throwing. */
export function parseYamlSource(file: string, text: string): { source?: SourceFile; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const diagnostics: Diagnostic[] = [];
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const pos = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  const indentCodes = new Set(['BAD_INDENT', 'BLOCK_AS_IMPLICIT_KEY', 'MULTILINE_IMPLICIT_KEY']);
  const indentErrors = doc.errors.filter((e) => indentCodes.has(e.code));
  // the line out of step is the one the parser stumbled on, or one before it (never one after)
  const found = indentErrors.length ? findIndentProblem(text) : undefined;
  const indent = found && found.line <= lineCounter.linePos(indentErrors[0].pos[0]).line + 1 ? found : undefined;
  if (indent) {
    const where = indent.expected.length === 1 ? `${indent.expected[0]} spaces` : `${indent.expected.join(' or ')} spaces`;
    diagnostics.push({
      file,
      line: indent.line,
      column: indent.column,
      path: pathAtOffset(doc.contents as Node, lineCounter.lineStarts[indent.line - 1] + indent.indent),
      code: 'indentation',
      message: `this line is indented ${indent.indent} space${indent.indent === 1 ? '' : 's'}, which matches no block around it (expected ${where})`,
      suggestion: `Indent it with ${where}, like the keys it belongs with.`,
      severity: 'error',
    });
  }
  for (const e of [...doc.errors, ...doc.warnings]) {
    if (indent && indentCodes.has(e.code)) continue;
    const known = YAML_PROBLEMS[e.code];
    diagnostics.push({
      ...pos(e.pos[0]),
      path: e.code === 'DUPLICATE_KEY' || e.code === 'TAG_RESOLVE_FAILED' ? pathAtOffset(doc.contents as Node, e.pos[0]) : '',
      code: known?.code ?? 'yaml-syntax',
      message: known?.message ?? firstLine(e.message),
      ...(known?.suggestion ? { suggestion: known.suggestion } : {}),
      severity: 'error',
    });
  }
  if (diagnostics.length) return { diagnostics };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    diagnostics.push({
      file,
      line: 1,
      column: 1,
      path: '',
      code: 'alias-bomb',
      message: `refused: aliases would expand past ${MAX_ALIAS_COUNT} copies (${firstLine((e as Error).message)})`,
      severity: 'error',
    });
    return { diagnostics };
  }

  const values = new Map<string, SourcePosition>();
  const keys = new Map<string, SourcePosition>();
  const ambiguous = (node: Node | null | undefined, pointer: string, isKey: boolean) => {
    const problem = isScalar(node) && node.range ? yaml11Problem(node, isKey) : undefined;
    if (problem) diagnostics.push({ ...pos(node!.range![0]), path: pointerToDotted(pointer), code: 'yaml11-ambiguous', ...problem, severity: 'error' });
  };
  const walk = (node: Node | null | undefined, pointer: string) => {
    if (!node) return;
    if (node.range) values.set(pointer, pos(node.range[0]));
    ambiguous(node, pointer, false);
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as Node | null;
        const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
        const child = `${pointer}/${escapePointer(key)}`;
        if (keyNode?.range) keys.set(child, pos(keyNode.range[0]));
        ambiguous(keyNode, child, true);
        if (key === '__proto__' && keyNode?.range) {
          diagnostics.push({
            ...pos(keyNode.range[0]),
            path: pointerToDotted(child),
            code: 'reserved-key',
            message: 'a key named __proto__ is refused: JavaScript tools (Helm plugins, Argo CD\'s UI, this one) treat it as an object\'s prototype, so it would be dropped or change other keys',
            suggestion: 'Remove the key (no chart reads it).',
            severity: 'error',
          });
        }
        if (pair.value && (pair.value as Node).range) walk(pair.value as Node, child);
        else if (keyNode?.range) values.set(child, pos(keyNode.range[0]));
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item as Node, `${pointer}/${i}`));
    }
  };
  walk(doc.contents as Node, '');
  return { source: { file, data, values, keys }, diagnostics };
}

const pointerToDotted = (pointer: string) =>
  pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');

/**
 * Plain scalars that YAML 1.1 (Helm, Argo CD, kubectl: go-yaml) reads differently from YAML 1.2 (this tool,
 * Kustomize): y/n/yes/no/on/off (booleans in 1.1), 0644 (octal in 1.1, decimal here), 0o644 (a string in 1.1),
 * 1:20 (sexagesimal 80 in 1.1), 1_000 (1000 in 1.1), and the merge key <<. A cheap filter first; only candidates
 * are parsed again as 1.1. Timestamps are left alone (both read the same text).
 */
const MAYBE_1_1 = /^(?:[-+]?[0-9.][0-9a-fA-FxXoObB_:.eE+-]*|[yYnN]|[Yy]es|YES|[Nn]o|NO|[Oo]n|ON|[Oo]ff|OFF|<<|=)$/;
const read11 = new CappedMemo<string, unknown>(10_000);
function yaml11Problem(node: Scalar, isKey: boolean): { message: string; suggestion: string } | undefined {
  if (node.type !== Scalar.PLAIN) return undefined;
  const source = (node as Scalar & { source?: string }).source ?? String(node.value);
  if (isKey && source === '<<') {
    return { message: 'the merge key << is YAML 1.1 only: Helm would merge the aliased map here, tracestack reads a key named "<<"', suggestion: 'Write the merged keys out (or quote "<<" if you mean a key of that name).' };
  }
  if (!MAYBE_1_1.test(source)) return undefined;
  const v12 = node.value;
  // numbers are common in environment files: each distinct scalar is parsed as 1.1 once
  const v11 = read11.get(source, () => {
    try {
      return parse(source, { version: '1.1' }) as unknown;
    } catch {
      return source;
    }
  });
  if (v11 instanceof Date || Object.is(v11, v12)) return undefined;
  const show = (v: unknown) => (typeof v === 'string' ? `the string "${v}"` : `${typeof v} ${String(v)}`);
  const message = `unquoted ${source} is ${show(v12)} in YAML 1.2 (how tracestack reads it) but ${show(v11)} in YAML 1.1 (how Helm, Argo CD and kubectl read their values)`;
  const quote = `or quote it ("${source}") for a string`;
  const suggestion =
    typeof v11 === 'boolean'
      ? `Write ${v11} for a boolean, ${quote}.`
      : typeof v11 === 'number' && typeof v12 === 'number'
        ? `Write ${v11} if you mean octal ${source} (a file mode), ${v12} if you mean decimal, ${quote}.`
        : typeof v11 === 'number'
          ? `Write ${v11} for a number, ${quote}.`
          : typeof v12 === 'number'
            ? `Write ${v12} for a number, ${quote}.`
            : `Quote it ("${source}").`;
  return { message, suggestion };
}

/** The spec path (a.b[0].c) of the innermost map key or node at a source offset, for YAML-level errors. */
function pathAtOffset(root: Node | null | undefined, offset: number): string {
  let path = '';
  let node = root;
  const inside = (n: Node | null | undefined) => !!n?.range && n.range[0] <= offset && offset <= n.range[2];
  for (;;) {
    if (isMap(node)) {
      let next: Node | undefined;
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        const value = pair.value as Node | null;
        const name = isScalar(key) ? String(key.value) : '';
        if (key?.range && key.range[0] <= offset && offset <= key.range[1]) return path ? `${path}.${name}` : name;
        if (inside(value)) {
          path = path ? `${path}.${name}` : name;
          next = value!;
          break;
        }
      }
      if (!next) return path;
      node = next;
    } else if (isSeq(node)) {
      const i = node.items.findIndex((item) => inside(item as Node));
      if (i < 0) return path;
      path = `${path}[${i}]`;
      node = node.items[i] as Node;
    } else return path;
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}
