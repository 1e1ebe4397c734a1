import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where the upstream schema folder (crd-schemas/index.json, charts/) is found: the CLI's configuration of it. */
export interface SchemaSource {
  dir?: string;
  /**
   * Where the location came from: --schemas, TRACESTACK_SCHEMAS, the repository's own folder written by
   * `tracestack schemas` (.tracestack/schemas), the default beside the repository, or none.
   */
  from: 'flag' | 'env' | 'repo' | 'default' | 'none';
}

/** Where `tracestack schemas` writes the strict CRD schemas, relative to the repository root (committed). */
export const REPO_SCHEMAS = '.tracestack/schemas';

/** How each schema source is named in messages. */
export const SCHEMA_SOURCE_TEXT: Record<SchemaSource['from'], string> = {
  flag: '--schemas',
  env: '$TRACESTACK_SCHEMAS',
  repo: `written by \`tracestack schemas\` into ${REPO_SCHEMAS}`,
  default: 'default: ../shared/upstream beside the repository',
  none: '',
};

/**
 * Upstream schema folder: --schemas DIR, else $TRACESTACK_SCHEMAS, else the repository's .tracestack/schemas
 * (`tracestack schemas`), else ../shared/upstream beside the repo root.
 */
export function locateSchemas(root: string, flag?: string): SchemaSource {
  if (flag) return { dir: resolve(flag), from: 'flag' };
  if (process.env.TRACESTACK_SCHEMAS) return { dir: resolve(process.env.TRACESTACK_SCHEMAS), from: 'env' };
  const own = resolve(root, REPO_SCHEMAS);
  if (existsSync(join(own, 'crd-schemas/index.json'))) return { dir: own, from: 'repo' };
  const fallback = resolve(root, '../shared/upstream');
  return existsSync(join(fallback, 'crd-schemas/index.json')) ? { dir: fallback, from: 'default' } : { from: 'none' };
}
