/** Field-by-field reference of the environment spec, generated from schemas/environment.schema.json. */
type Schema = Record<string, any>;

export interface FieldDoc {
  path: string;
  type: string;
  default?: unknown;
  description: string;
  examples?: unknown[];
  required: boolean;
}

function resolveRef(root: Schema, s: Schema): Schema {
  if (!s?.$ref) return s;
  const target = s.$ref.replace('#/$defs/', '');
  const { $ref: _r, ...rest } = s;
  return { ...resolveRef(root, root.$defs[target]), ...rest };
}

function typeOf(s: Schema): string {
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (s.enum) return s.enum.map((v: unknown) => `\`${v}\``).join(' \\| ');
  if (s.type === 'array') return `list of ${s.items ? typeOf(s.items) : 'any'}`;
  if (Array.isArray(s.type)) return s.type.join(' or ');
  return s.type ?? 'any';
}

/** Walk the schema depth-first; `values` pass-through maps are listed but not descended. */
export function fields(root: Schema): FieldDoc[] {
  const out: FieldDoc[] = [];
  const walk = (schema: Schema, path: string, required: boolean) => {
    const s = resolveRef(root, schema);
    if (path) {
      const items = s.type === 'array' && s.items ? resolveRef(root, s.items) : undefined;
      out.push({
        path,
        type: typeOf(items ? { ...s, items } : s),
        default: s.default,
        description: s.description ?? '',
        examples: s.examples,
        required,
      });
    }
    if (s.type === 'object' && s.properties && s.additionalProperties === false) {
      const req = new Set<string>(s.required ?? []);
      for (const [k, v] of Object.entries<Schema>(s.properties)) walk(v, path ? `${path}.${k}` : k, req.has(k));
    }
    // Lists of objects (spec.teams): document the fields of one item as <list>[].<field>.
    const item = s.type === 'array' && s.items ? resolveRef(root, s.items) : undefined;
    if (item?.type === 'object' && item.properties && item.additionalProperties === false) {
      const req = new Set<string>(item.required ?? []);
      for (const [k, v] of Object.entries<Schema>(item.properties)) walk(v, `${path}[].${k}`, req.has(k));
    }
  };
  walk(root, '', true);
  return out;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
/** Strings as they are written in YAML; lists and maps as JSON (valid YAML flow style). */
export const exampleText = (e: unknown) => (typeof e === 'string' ? e : JSON.stringify(e));
const showExample = (e: unknown) => `\`${exampleText(e)}\``;
const show = (v: unknown) => (v === undefined ? '' : `\`${JSON.stringify(v)}\``);

export function referenceMarkdown(root: Schema): string {
  const rows = fields(root).map(
    (f) =>
      `| \`${f.path}\`${f.required ? ' (required)' : ''} | ${cell(f.type)} | ${cell(show(f.default))} | ${cell(f.description)}${f.examples ? ` Example: ${f.examples.map(showExample).join(', ')}.` : ''} |`,
  );
  return ['| field | type | default | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n') + '\n';
}

export const REFERENCE_START = '<!-- spec-reference:start (generated from schemas/environment.schema.json by `npm run docs`) -->';
export const REFERENCE_END = '<!-- spec-reference:end -->';

/** README text with the reference section replaced by a fresh rendering. */
export function withReference(readme: string, root: Schema): string {
  const start = readme.indexOf(REFERENCE_START);
  const end = readme.indexOf(REFERENCE_END);
  if (start < 0 || end < start) throw new Error('README.md has no spec-reference markers');
  return readme.slice(0, start + REFERENCE_START.length) + '\n' + referenceMarkdown(root) + readme.slice(end);
}
