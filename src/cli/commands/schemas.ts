import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { parseAllDocuments } from 'yaml';
import { isPlainObject } from '../../load/merge.js';
import { crdSchemas, isCrd } from '../../verify/crd.js';
import { builtinSchemas, isOpenApi, RENDERED_BUILTIN_KINDS, RENDERED_BUILTIN_PATHS } from '../../verify/openapi.js';
import { REPO_SCHEMAS } from '../../verify/upstream.js';
import { UsageError } from '../errors.js';
import { failCommand, printResult } from '../output.js';

/**
 * API groups of the custom resources tracestack renders (Argo CD Application/AppProject/ApplicationSet,
 * OpenTelemetryCollector and Instrumentation, Istio Telemetry). `tracestack schemas` keeps only CRDs of these groups
 * unless --all: a cluster's other CRDs would only make the cache bigger.
 */
export const RENDERED_GROUPS = ['argoproj.io', 'gateway.networking.k8s.io', 'opentelemetry.io', 'telemetry.istio.io', 'kafka.strimzi.io'];

export interface CrdSource {
  crd: Record<string, unknown>;
  /** Where it came from: a file (relative to the folder given) or "cluster". */
  from: string;
}

/** A Kubernetes OpenAPI v3 document: the schemas of built-in kinds (Namespace, ClusterRole, ...). */
export interface OpenApiSource {
  doc: Record<string, unknown>;
  from: string;
}

export interface Sources {
  crds: CrdSource[];
  openapi: OpenApiSource[];
  /** Problems that did not stop the run (e.g. a cluster that does not serve /openapi/v3). */
  notes: string[];
}

/**
 * Every CustomResourceDefinition in the YAML/JSON files below dir (several documents per file, and v1 Lists), and
 * every Kubernetes OpenAPI v3 document (JSON with `openapi` and `components.schemas`).
 */
export function sourcesFromFolder(dir: string): Sources {
  const out: Sources = { crds: [], openapi: [], notes: [] };
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ya?ml|json)$/.test(name)) {
        const from = relative(dir, p).split(sep).join('/');
        const text = readFileSync(p, 'utf8');
        if (name.endsWith('.json')) {
          let doc: unknown;
          try {
            doc = JSON.parse(text);
          } catch (e) {
            throw new Error(`${p}: ${(e as Error).message}`);
          }
          if (isOpenApi(doc)) out.openapi.push({ doc, from });
          else out.crds.push(...crdsIn(doc, from));
          continue;
        }
        for (const doc of parseAllDocuments(text, { uniqueKeys: false })) {
          if (doc.errors.length) throw new Error(`${p}: ${doc.errors[0].message}`);
          out.crds.push(...crdsIn(doc.toJS({ maxAliasCount: 100 }), from));
        }
      }
    }
  };
  walk(dir);
  return out;
}

const crdsIn = (doc: unknown, from: string): CrdSource[] =>
  isCrd(doc) ? [{ crd: doc, from }] : isPlainObject(doc) && Array.isArray(doc.items) ? doc.items.filter(isCrd).map((crd) => ({ crd, from })) : [];

const kubectl = (args: string[]) => {
  const r = spawnSync('kubectl', args, { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw new Error(`cannot run kubectl (${r.error.message}); install it, or use --from DIR with CRD YAML files`);
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr.trim() || `exit ${r.status}`}`);
  return r.stdout;
};

/**
 * The cluster's CRDs (`kubectl get crd -o json`, current context or --context) and the OpenAPI v3 documents of the
 * built-in API groups tracestack renders (`kubectl get --raw /openapi/v3/api/v1`, ...). A cluster that does not
 * serve those documents still gives its CRDs (with a note).
 */
export function sourcesFromCluster(context?: string): Sources {
  const ctx = context ? ['--context', context] : [];
  const crds = crdsIn(JSON.parse(kubectl(['get', 'customresourcedefinitions.apiextensions.k8s.io', '-o', 'json', ...ctx])), 'cluster');
  const openapi: OpenApiSource[] = [];
  const notes: string[] = [];
  for (const path of RENDERED_BUILTIN_PATHS) {
    try {
      const doc = JSON.parse(kubectl(['get', '--raw', `/openapi/v3/${path}`, ...ctx])) as unknown;
      if (isOpenApi(doc)) openapi.push({ doc, from: `cluster /openapi/v3/${path}` });
    } catch (e) {
      notes.push(`no schemas of built-in kinds from /openapi/v3/${path}: ${(e as Error).message}`);
    }
  }
  return { crds, openapi, notes };
}

export interface SchemaEntry {
  file: string;
  apiVersion: string;
  kind: string;
  /** The CRD's name; absent for a built-in kind (from an OpenAPI document). */
  crd?: string;
  /** The file (relative to the folder given) or cluster endpoint it came from. */
  source: string;
  served?: boolean;
  storage?: boolean;
  deprecated?: boolean;
  addedKeys?: string[];
}

export interface SchemaSet {
  entries: SchemaEntry[];
  files: Map<string, string>;
  skipped: string[];
}

/** Convert CRDs and OpenAPI documents into the schema folder's files (crd-schemas/index.json, crd-schemas/strict/*.json). */
export function buildSchemaSet(sources: Pick<Sources, 'crds' | 'openapi'>, all: boolean): SchemaSet {
  const entries: SchemaEntry[] = [];
  const files = new Map<string, string>();
  const skipped: string[] = [];
  const seen = new Map<string, string>();
  const add = (entry: SchemaEntry, strict: unknown) => {
    const key = `${entry.apiVersion}/${entry.kind}`;
    // meta types (v1 APIResourceList, Status, ...) are in every OpenAPI document: the first one is kept
    if (seen.has(key) && !entry.crd && !entries.find((e) => `${e.apiVersion}/${e.kind}` === key)?.crd) return;
    if (seen.has(key)) throw new Error(`${key} is defined twice: by ${seen.get(key)} and by ${entry.source}`);
    seen.set(key, entry.source);
    entries.push(entry);
    // written as ../shared/upstream writes its derived files: JSON, 1-space indent, final newline
    files.set(`crd-schemas/strict/${entry.file}`, JSON.stringify(strict, null, 1) + '\n');
  };
  for (const { crd, from } of sources.crds) {
    const group = String((crd.spec as { group?: unknown } | undefined)?.group ?? '');
    const name = String((crd.metadata as { name?: unknown } | undefined)?.name ?? '?');
    if (!all && !RENDERED_GROUPS.includes(group)) {
      skipped.push(name);
      continue;
    }
    for (const { strict, ...s } of crdSchemas(crd)) add({ file: s.file, apiVersion: s.apiVersion, kind: s.kind, crd: s.crd, source: from, served: s.served, storage: s.storage, deprecated: s.deprecated, addedKeys: s.addedKeys }, strict);
  }
  for (const { doc, from } of sources.openapi) {
    for (const { strict, ...s } of builtinSchemas(doc, (k) => all || RENDERED_BUILTIN_KINDS.includes(k))) add({ ...s, source: from }, strict);
  }
  entries.sort((a, b) => a.file.localeCompare(b.file));
  files.set('crd-schemas/index.json', JSON.stringify(entries, null, 1) + '\n');
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
    .option('--from <dir...>', 'folders with CustomResourceDefinition YAML/JSON files and Kubernetes OpenAPI v3 documents (searched recursively)')
    .option('--from-cluster', 'read the CRDs (`kubectl get crd -o json`) and built-in kinds\' OpenAPI (`kubectl get --raw /openapi/v3/...`) of the current kubectl context')
    .option('--context <name>', 'kubectl context for --from-cluster')
    .option('--all', `keep every CRD, not only those of the groups tracestack renders (${RENDERED_GROUPS.join(', ')})`)
    .option('-o, --out <dir>', 'where to write them', REPO_SCHEMAS)
    .action((opts: { from?: string[]; fromCluster?: boolean; context?: string; all?: boolean; out: string }, cmd: Command) => {
      const root = (program.opts() as { dir: string }).dir;
      if (Boolean(opts.from) === Boolean(opts.fromCluster)) throw new UsageError('give exactly one of --from DIR or --from-cluster');
      let set: SchemaSet;
      try {
        const sources: Sources = opts.from ? { crds: [], openapi: [], notes: [] } : sourcesFromCluster(opts.context);
        for (const dir of opts.from ?? []) {
          const found = sourcesFromFolder(resolve(dir));
          sources.crds.push(...found.crds);
          sources.openapi.push(...found.openapi);
        }
        for (const n of sources.notes) process.stderr.write(`note: ${n}\n`);
        set = buildSchemaSet(sources, Boolean(opts.all));
      } catch (e) {
        return failCommand(cmd, (e as Error).message, 'schema-source');
      }
      if (!set.entries.length) {
        return failCommand(cmd, `no CustomResourceDefinition of ${opts.all ? 'any group' : RENDERED_GROUPS.join(', ')} and no OpenAPI document found ${opts.from ? `in ${opts.from.join(', ')}` : 'in the cluster'}; nothing written`, 'no-schemas');
      }
      const outDir = resolve(root, opts.out);
      writeSchemaSet(outDir, set);
      const shown = relative(process.cwd(), outDir).split(sep).join('/') || '.';
      const result = {
        out: `${shown}/`,
        schemas: set.entries.map((e) => ({ apiVersion: e.apiVersion, kind: e.kind, builtin: !e.crd, deprecated: Boolean(e.deprecated) })),
        skipped: set.skipped,
      };
      printResult(
        cmd,
        result,
        `wrote ${set.entries.length} strict schema${set.entries.length === 1 ? '' : 's'} into ${shown}/ from ${opts.from?.join(', ') ?? 'the cluster'}:\n` +
          set.entries.map((e) => `  ${e.apiVersion}/${e.kind}${e.deprecated ? ' (deprecated)' : ''}${e.crd ? '' : ' (built-in)'}\n`).join('') +
          (set.skipped.length ? `skipped ${set.skipped.length} CRD${set.skipped.length === 1 ? '' : 's'} of groups tracestack does not render (--all keeps them)\n` : '') +
          `generate now checks against them (commit ${shown}/ so CI does too); \`tracestack doctor\` lists what is checked\n`,
      );
    });
}
