import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { parseAllDocuments } from 'yaml';
import { isPlainObject } from '../../load/merge.js';
import { crdSchemas, isCrd, type CrdSchema } from '../../verify/crd.js';
import { REPO_SCHEMAS } from '../../verify/upstream.js';

/**
 * API groups of the custom resources tracestack renders (Argo CD Application/AppProject/ApplicationSet,
 * OpenTelemetryCollector and Instrumentation, Istio Telemetry). `tracestack schemas` keeps only CRDs of these groups
 * unless --all: a cluster's other CRDs would only make the cache bigger.
 */
export const RENDERED_GROUPS = ['argoproj.io', 'opentelemetry.io', 'telemetry.istio.io'];

export interface CrdSource {
  crd: Record<string, unknown>;
  /** Where it came from: a file (relative to the folder given) or "cluster". */
  from: string;
}

/** Every CustomResourceDefinition in the YAML/JSON files below dir (several documents per file, and v1 Lists). */
export function crdsFromFolder(dir: string): CrdSource[] {
  const out: CrdSource[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ya?ml|json)$/.test(name)) {
        const from = relative(dir, p).split(sep).join('/');
        for (const doc of parseAllDocuments(readFileSync(p, 'utf8'), { uniqueKeys: false })) {
          if (doc.errors.length) throw new Error(`${p}: ${doc.errors[0].message}`);
          out.push(...crdsIn(doc.toJS({ maxAliasCount: 100 }), from));
        }
      }
    }
  };
  walk(dir);
  return out;
}

const crdsIn = (doc: unknown, from: string): CrdSource[] =>
  isCrd(doc) ? [{ crd: doc, from }] : isPlainObject(doc) && Array.isArray(doc.items) ? doc.items.filter(isCrd).map((crd) => ({ crd, from })) : [];

/** `kubectl get crd -o json` (the current context, or --context): every CRD of the cluster. */
export function crdsFromCluster(context?: string): CrdSource[] {
  const args = ['get', 'customresourcedefinitions.apiextensions.k8s.io', '-o', 'json', ...(context ? ['--context', context] : [])];
  const r = spawnSync('kubectl', args, { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw new Error(`cannot run kubectl (${r.error.message}); install it, or use --from DIR with CRD YAML files`);
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr.trim() || `exit ${r.status}`}`);
  return crdsIn(JSON.parse(r.stdout), 'cluster');
}

export interface SchemaSet {
  entries: Array<Omit<CrdSchema, 'strict'> & { crdFile: string }>;
  files: Map<string, string>;
  skipped: string[];
}

/** Convert CRDs into the schema folder's files (crd-schemas/index.json and crd-schemas/strict/*.json). */
export function buildSchemaSet(sources: CrdSource[], all: boolean): SchemaSet {
  const entries: SchemaSet['entries'] = [];
  const files = new Map<string, string>();
  const skipped: string[] = [];
  const seen = new Map<string, string>();
  for (const { crd, from } of sources) {
    const group = String((crd.spec as { group?: unknown } | undefined)?.group ?? '');
    const name = String((crd.metadata as { name?: unknown } | undefined)?.name ?? '?');
    if (!all && !RENDERED_GROUPS.includes(group)) {
      skipped.push(name);
      continue;
    }
    for (const s of crdSchemas(crd)) {
      const key = `${s.apiVersion}/${s.kind}`;
      if (seen.has(key)) throw new Error(`${key} is defined twice: by ${seen.get(key)} and by ${from}`);
      seen.set(key, from);
      const { strict, ...entry } = s;
      entries.push({ ...entry, crdFile: from });
      // written as ../shared/upstream writes its derived files: JSON, 1-space indent, final newline
      files.set(`crd-schemas/strict/${s.file}`, JSON.stringify(strict, null, 1) + '\n');
    }
  }
  entries.sort((a, b) => a.file.localeCompare(b.file));
  const index = entries.map(({ file, apiVersion, kind, crd, crdFile, served, storage, deprecated, addedKeys }) => ({ file, apiVersion, kind, crd, crdFile, served, storage, deprecated, addedKeys }));
  files.set('crd-schemas/index.json', JSON.stringify(index, null, 1) + '\n');
  files.set('README.md', SCHEMAS_README);
  return { entries, files, skipped: skipped.sort() };
}

const SCHEMAS_README = `# Strict CRD schemas (written by \`tracestack schemas\`)

\`tracestack generate\` checks every custom resource it renders against these schemas (the served versions of the
CRDs they were made from, with \`additionalProperties: false\` wherever the CRD does not preserve unknown fields).
Commit this folder, so CI checks against the same CRDs. Refresh it after upgrading a chart or an operator:
\`tracestack schemas --from-cluster\` or \`tracestack schemas --from DIR\`. \`tracestack doctor\` lists the kinds.
`;

/** Replace the schema folder with these files (built beside it, then swapped in). */
export function writeSchemaSet(outDir: string, set: SchemaSet): void {
  const staging = `${outDir}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  for (const [f, text] of set.files) {
    mkdirSync(dirname(join(staging, f)), { recursive: true });
    writeFileSync(join(staging, f), text);
  }
  const old = `${outDir}.old-${process.pid}`;
  if (existsSync(outDir)) renameSync(outDir, old);
  mkdirSync(dirname(outDir), { recursive: true });
  renameSync(staging, outDir);
  rmSync(old, { recursive: true, force: true });
}

export function registerSchemas(program: Command) {
  program
    .command('schemas')
    .description(`Build strict validators from your cluster's CRDs (kubectl) or a folder of CRD files, into ${REPO_SCHEMAS}/ (generate uses them)`)
    .option('--from <dir>', 'folder with CustomResourceDefinition YAML or JSON files (searched recursively)')
    .option('--from-cluster', 'read the CRDs of the current kubectl context (`kubectl get crd -o json`)')
    .option('--context <name>', 'kubectl context for --from-cluster')
    .option('--all', `keep every CRD, not only those of the groups tracestack renders (${RENDERED_GROUPS.join(', ')})`)
    .option('-o, --out <dir>', 'where to write them', REPO_SCHEMAS)
    .action((opts: { from?: string; fromCluster?: boolean; context?: string; all?: boolean; out: string }) => {
      const root = (program.opts() as { dir: string }).dir;
      if (Boolean(opts.from) === Boolean(opts.fromCluster)) {
        process.stderr.write('error: give exactly one of --from DIR or --from-cluster\n');
        process.exitCode = 2;
        return;
      }
      let set: SchemaSet;
      try {
        const sources = opts.from ? crdsFromFolder(resolve(opts.from)) : crdsFromCluster(opts.context);
        set = buildSchemaSet(sources, Boolean(opts.all));
      } catch (e) {
        process.stderr.write(`error: ${(e as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      if (!set.entries.length) {
        process.stderr.write(`error: no CustomResourceDefinition of ${opts.all ? 'any group' : RENDERED_GROUPS.join(', ')} found ${opts.from ? `in ${opts.from}` : 'in the cluster'}; nothing written\n`);
        process.exitCode = 1;
        return;
      }
      const outDir = resolve(root, opts.out);
      writeSchemaSet(outDir, set);
      const shown = relative(process.cwd(), outDir).split(sep).join('/') || '.';
      process.stdout.write(
        `wrote ${set.entries.length} strict schema${set.entries.length === 1 ? '' : 's'} into ${shown}/ from ${opts.from ?? 'the cluster'}:\n` +
          set.entries.map((e) => `  ${e.apiVersion}/${e.kind}${e.deprecated ? ' (deprecated)' : ''}\n`).join('') +
          (set.skipped.length ? `skipped ${set.skipped.length} CRD${set.skipped.length === 1 ? '' : 's'} of groups tracestack does not render (--all keeps them)\n` : '') +
          `generate now checks against them (commit ${shown}/ so CI does too); \`tracestack doctor\` lists what is checked\n`,
      );
    });
}
