import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { Diagnostic, SourcePosition } from '../diagnostics.js';
import { findIndentProblem } from './indentation.js';

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
  const walk = (node: Node | null | undefined, pointer: string) => {
    if (!node) return;
    if (node.range) values.set(pointer, pos(node.range[0]));
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as Node | null;
        const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
        const child = `${pointer}/${escapePointer(key)}`;
        if (keyNode?.range) keys.set(child, pos(keyNode.range[0]));
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
