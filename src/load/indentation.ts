/**
 * The line whose indentation breaks a YAML file, found from the text itself. The YAML parser reports an
 * inconsistent indentation where it notices it: at the next sibling (a 5-space first key is reported on the
 * 4-space key after it) or at the end of the line before (a 5-space key after a 4-space one). This finds the
 * line that is out of step instead, for a message on the line the user has to fix.
 */
export interface IndentProblem {
  /** 1-based line and column of the first character of the misplaced line. */
  line: number;
  column: number;
  indent: number;
  /** Indentations that would fit at that place. */
  expected: number[];
}

const content = (line: string) => {
  const t = line.trimStart();
  return t === '' || t.startsWith('#') ? undefined : t;
};
/** A line that opens a nested block: `key:` with no value (a trailing comment allowed), or a bare `-`. */
const opensBlock = (t: string) => /(^|[^\s])\s*:\s*(#.*)?$/.test(t.replace(/^-\s+/, '')) && /:\s*(#.*)?$/.test(t) || /^-\s*(#.*)?$/.test(t);
const blockScalar = (t: string) => /:\s*[|>][-+0-9]*\s*(#.*)?$/.test(t) || /^-\s+[|>][-+0-9]*\s*(#.*)?$/.test(t);

/** Open minus closed brackets of a flow collection on a line, outside quotes and comments. */
function flowDepth(t: string): number {
  let depth = 0;
  let quote: string | undefined;
  for (let k = 0; k < t.length; k++) {
    const c = t[k];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (k === 0 || /\s/.test(t[k - 1]))) break;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
  }
  return depth;
}

export function findIndentProblem(text: string): IndentProblem | undefined {
  const lines = text.split(/\r?\n/);
  const stack: number[] = [0];
  let opens = false;
  let scalarAbove: number | undefined;
  let unit: number | undefined;
  let flow = 0;
  for (let n = 0; n < lines.length; n++) {
    const t = content(lines[n]);
    if (t === undefined || lines[n].startsWith('---') || lines[n].startsWith('...')) continue;
    const i = lines[n].length - lines[n].trimStart().length;
    if (scalarAbove !== undefined) {
      if (i > scalarAbove) continue; // the text of a block scalar (| or >)
      scalarAbove = undefined;
    }
    if (flow > 0) {
      flow = Math.max(0, flow + flowDepth(t)); // inside a [ ... ] or { ... } spanning lines: indentation is free
      continue;
    }
    flow = Math.max(0, flowDepth(t));
    const top = stack[stack.length - 1];
    if (i > top) {
      if (!opens) return { line: n + 1, column: i + 1, indent: i, expected: [top] };
      unit ??= i - top;
      if (i - top !== unit && !t.startsWith('-')) return { line: n + 1, column: i + 1, indent: i, expected: [top + unit] };
      stack.push(i);
    } else if (i < top) {
      const popped: number[] = [];
      while (stack[stack.length - 1] > i) popped.push(stack.pop()!);
      if (stack[stack.length - 1] !== i) return { line: n + 1, column: i + 1, indent: i, expected: [stack[stack.length - 1], popped[popped.length - 1]].filter((x) => x !== undefined).sort((a, b) => a - b) };
    }
    // a list item: its map's keys continue two columns in ("- name: a" then "  namespaces: ...")
    if (t.startsWith('- ') || t === '-') {
      const inner = i + (t.length - t.slice(1).trimStart().length);
      if (t !== '-' && inner > stack[stack.length - 1]) stack.push(inner);
    }
    opens = opensBlock(t);
    if (blockScalar(t)) scalarAbove = i;
  }
  return undefined;
}
