/**
 * A fast YAML emitter for the common shape of generated documents: block maps and sequences of short, single-line
 * strings, numbers, booleans and nulls. It writes exactly the bytes the yaml library writes for the same data with
 * tracestack's options (a property test holds the two equal), and gives up (returns undefined) on anything it does
 * not know for sure how the library would write: multi-line strings, strings outside a conservative character set,
 * non-finite numbers, sparse or odd values. The caller then serializes with the library.
 *
 * Why: building a yaml Document and stringifying it is most of what `generate` costs for a fleet (about 8 ms of
 * every 17 ms per environment); this does the same job in a fraction of that.
 */

/** Single-line strings the fast path writes: printable ASCII. */
const PRINTABLE = /^[\x20-\x7e]*$/;
/** Multi-line strings the fast path writes (as literal blocks): printable ASCII, tabs and newlines. */
const PRINTABLE_LINES = /^[\x20-\x7e\t\n]*$/;
/** The yaml library's plainString refusals, for single-line strings: indicator starts, `: `, ` #`, trailing space or `:`. */
const NOT_PLAIN = /^[\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[:][ \t]|[ \t]#|[\t :]$/;
/** YAML 1.2 core schema scalars that are not strings (null, bool, int, float), as the yaml library tests them. */
const CORE_NOT_STRING = [
  /^(?:~|[Nn]ull|NULL)?$/,
  /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/,
  /^0o[0-7]+$/,
  /^[-+]?[0-9]+$/,
  /^0x[0-9a-fA-F]+$/,
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
];
/** A document marker at the start of a line changes how the library writes the string. */
const DOCUMENT_MARKER = /^(?:%|---|\.\.\.)/m;

const GIVE_UP = Symbol('give up');
type Text = string | typeof GIVE_UP;

/** The library's quotedString for a single line of printable ASCII: single quotes only when that avoids escapes. */
const quoted = (s: string) => (s.includes('"') && !s.includes("'") ? `'${s}'` : JSON.stringify(s));

/**
 * How a string scalar is written, or GIVE_UP. `indent` is the indentation of a block scalar's lines (one step in
 * from the line holding the key or `- `); keys are never block scalars. `quoteIfMisread11` says whether a YAML 1.1
 * reader would take the string for something else (the caller's rule; such strings are double-quoted).
 */
function scalarString(s: string, quoteIfMisread11: (s: string) => boolean, indent: string | undefined): Text {
  if (!PRINTABLE.test(s)) return indent !== undefined && s.includes('\n') && PRINTABLE_LINES.test(s) ? literalBlock(s, indent) : GIVE_UP;
  if (s.length > 1000) return GIVE_UP; // long keys become explicit (`? `) keys in the library
  if (quoteIfMisread11(s)) return JSON.stringify(s);
  if (NOT_PLAIN.test(s) || CORE_NOT_STRING.some((re) => re.test(s))) return quoted(s);
  if (DOCUMENT_MARKER.test(s)) return GIVE_UP;
  return s;
}

/** The library's blockString for a multi-line value (always a literal block at lineWidth 0), or GIVE_UP. */
function literalBlock(s: string, indent: string): Text {
  if (/\n[\t ]+$/.test(s)) return GIVE_UP; // quoted by the library
  let endStart = s.length;
  while (endStart > 0 && (s[endStart - 1] === '\n' || s[endStart - 1] === '\t' || s[endStart - 1] === ' ')) endStart--;
  let end = s.substring(endStart);
  const endNl = end.indexOf('\n');
  let chomp: string;
  if (endNl === -1) chomp = '-';
  else if (s === end || endNl !== end.length - 1) return GIVE_UP; // "keep" chomping affects what follows
  else chomp = '';
  let value = s;
  if (end) {
    value = value.slice(0, -end.length);
    if (end.endsWith('\n')) end = end.slice(0, -1);
  }
  let startWithSpace = false;
  let startEnd = 0;
  let startNl = -1;
  for (; startEnd < value.length; startEnd++) {
    const ch = value[startEnd];
    if (ch === ' ') startWithSpace = true;
    else if (ch === '\n') startNl = startEnd;
    else break;
  }
  let start = value.substring(0, startNl < startEnd ? startNl + 1 : startEnd);
  if (start) {
    value = value.substring(start.length);
    start = start.replace(/\n+/g, `$&${indent}`);
  }
  const header = (startWithSpace ? '2' : '') + chomp;
  return `|${header}\n${indent}${start}${value.replace(/\n+/g, `$&${indent}`)}${end}`;
}

function scalar(v: unknown, quote: (s: string) => boolean, indent: string): Text {
  switch (typeof v) {
    case 'string':
      return scalarString(v, quote, indent);
    case 'number':
      if (!Number.isFinite(v)) return GIVE_UP;
      return Object.is(v, -0) ? '-0' : JSON.stringify(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      return v === null ? 'null' : GIVE_UP;
    default:
      return GIVE_UP;
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/** Entries the library writes: a pair whose value is undefined is left out, as it is from JSON. */
const entriesOf = (o: Record<string, unknown>) => Object.entries(o).filter(([, v]) => v !== undefined);

/**
 * Lines for a collection at `indent`, or GIVE_UP. `first` is the text before the first line's content (a `- `
 * sequence indicator, on the same line as the first pair or item).
 */
function emitCollection(v: unknown, indent: string, out: string[], quote: (s: string) => boolean, first: string): boolean {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      if (!(i in v)) return false; // sparse
      const item = v[i];
      const lead = i === 0 ? first : indent;
      if (isCollection(item) && !isEmpty(item)) {
        if (!emitCollection(item, indent + '  ', out, quote, `${lead}- `)) return false;
      } else {
        const text = isCollection(item) ? (Array.isArray(item) ? '[]' : '{}') : scalar(item, quote, indent + '  ');
        if (text === GIVE_UP) return false;
        out.push(`${lead}- ${text}`);
      }
    }
    return true;
  }
  if (!isPlainObject(v)) return false;
  const entries = entriesOf(v);
  for (let i = 0; i < entries.length; i++) {
    const [k, item] = entries[i];
    const key = scalarString(k, quote, undefined);
    if (key === GIVE_UP || key === '""') return false;
    const lead = i === 0 ? first : indent;
    if (isCollection(item) && !isEmpty(item)) {
      out.push(`${lead}${key}:`);
      // a sequence under a key is indented one step, like a map (the library's indentSeq)
      if (!emitCollection(item, indent + '  ', out, quote, indent + '  ')) return false;
    } else {
      const text = isCollection(item) ? (Array.isArray(item) ? '[]' : '{}') : scalar(item, quote, indent + '  ');
      if (text === GIVE_UP) return false;
      out.push(`${lead}${key}: ${text}`);
    }
  }
  return true;
}

const isCollection = (v: unknown) => Array.isArray(v) || isPlainObject(v);
const isEmpty = (v: unknown) => (Array.isArray(v) ? v.length === 0 : entriesOf(v as Record<string, unknown>).length === 0);

/**
 * The document text for `data` as the yaml library writes it (lineWidth 0, indent 2, sequences indented under
 * keys, strings a YAML 1.1 reader would misread double-quoted), or undefined when the fast path does not apply.
 */
export function emitYaml(data: unknown, quoteIfMisread11: (s: string) => boolean): string | undefined {
  if (!isCollection(data)) {
    if (typeof data === 'string' && data.includes('\n')) return undefined; // a root block scalar is indented differently
    const text = scalar(data, quoteIfMisread11, '');
    return text === GIVE_UP ? undefined : `${text}\n`;
  }
  if (isEmpty(data)) return Array.isArray(data) ? '[]\n' : '{}\n';
  const out: string[] = [];
  if (!emitCollection(data, '', out, quoteIfMisread11, '')) return undefined;
  return out.join('\n') + '\n';
}
