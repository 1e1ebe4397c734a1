// Incremental fleets: work proportional to what changed (issue #11).
//
// A fleet of INCREMENTAL_FROM environments or more gets a fingerprint file, out/.tracestack/fleet.json, written with
// the rest of out/ (so it is in the ledger, swapped in atomically and compared by --check). It holds, per
// environment: a hash of everything its output depends on (its file, _defaults.yaml, the tool, the known chart
// versions, the upstream schemas and charts, the options that change output), a hash of its output files, and
// what the fleet-level steps need without rendering it again: its Argo CD names (collision check), its fleet
// ApplicationSet entry, the Kustomize bases it uses, its warnings, and the objects checked against the CRDs.
//
// An environment whose input hash matches and whose files on disk (as the ledger lists them) hash to the recorded
// output hash is not validated, rendered or verified again: its files are taken from disk as they are. Anything
// else (no file, a corrupt file, another tool build, a hand-edited or missing output file) means that environment,
// or all of them, is rendered as before. The file is deterministic: no timestamps, no absolute paths.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from '../diagnostics.js';
import type { InputFile } from '../load/environments.js';
import type { Environment } from '../model.js';
import type { FileTree } from '../plan/plan.js';
import type { Unit } from '../components/types.js';
import type { ArgoName } from '../resolve/checks/names.js';
import type { UpstreamValidators } from '../verify/upstream.js';
import type { ChartValues } from '../resolve/checks/passthrough.js';
import { charts } from '../components/derived.js';
import { TOOL_VERSION } from '../render/yaml.js';
import { fault } from '../write/errors.js';

/** The fingerprint file, inside the output folder (beside the ledger). */
export const FLEET_PATH = '.tracestack/fleet.json';
/** From this many environment files on, generate records and reuses fingerprints (smaller repos get no file). */
export const INCREMENTAL_FROM = 8;
const FORMAT = 1;

/** What the fleet ApplicationSet needs of an environment (plan.ts renderFleet). */
export interface FleetEntry {
  applicationSet: boolean;
  namespace: string;
  repoURL: string;
  targetRevision: string;
  syncPolicy: { automated: boolean; prune: boolean; selfHeal: boolean };
}

export interface EnvRecord {
  name: string;
  file: string;
  input: string;
  output: string;
  argo: ArgoName[];
  fleet: FleetEntry;
  bases: string[];
  diagnostics: Diagnostic[];
  checked: Record<string, number>;
  unchecked: Record<string, number>;
}

export interface Reused {
  record: EnvRecord;
  /** The environment's files as they are on disk (undefined when it is not rendered in this run: --env). */
  files?: FileTree;
  /** Enough of the environment for the fleet ApplicationSet (planShared) and --env's known names. */
  env: Environment;
}

export interface FleetCacheOptions {
  outPath: string;
  allowUnknownChartVersions?: boolean;
  chartValues?: ChartValues;
  upstream?: UpstreamValidators;
  /** The output folder to reuse unchanged environments from; without it every environment is rendered. */
  reuseFrom?: string;
}

const sha = (...parts: string[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
};

let toolId: string | undefined;
/**
 * The tool version and a hash of the build: the bundle dist/tracestack.cjs (the running file for the CLI; found
 * beside dist/ or src/ when the modules run unbundled, so in-process runs and the CLI agree).
 */
export function toolIdentity(): string {
  if (toolId) return toolId;
  let code = '';
  try {
    const self = fileURLToPath(import.meta.url);
    code = readFileSync(self.endsWith('.cjs') ? self : join(dirname(self), '../../dist/tracestack.cjs'), 'utf8');
  } catch {
    code = 'unknown';
  }
  return (toolId = `${TOOL_VERSION}+${sha(code).slice(0, 16)}`);
}

/** The upstream schemas and chart defaults that verification and pass-through checks read. */
function upstreamIdentity(dir: string | undefined, charts: ChartValues | undefined): string {
  const read = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : '');
  const parts: string[] = [];
  if (dir) {
    const sums = read(join(dir, 'SHA256SUMS'));
    if (sums) parts.push(sums);
    else {
      parts.push(read(join(dir, 'crd-schemas/index.json')));
      const strict = join(dir, 'crd-schemas/strict');
      if (existsSync(strict)) for (const f of readdirSync(strict).sort()) parts.push(f, read(join(strict, f)));
    }
  }
  if (charts && !(dir && existsSync(join(dir, 'SHA256SUMS')))) {
    for (const d of existsSync(charts.chartsDir) ? readdirSync(charts.chartsDir).sort() : []) parts.push(d, read(join(charts.chartsDir, d, 'Chart.yaml')), read(join(charts.chartsDir, d, 'values.yaml')));
  }
  return sha(...parts);
}

const count = (m: Map<string, number> | undefined) => new Map(m ?? []);
const delta = (now: Map<string, number> | undefined, before: Map<string, number>) => {
  const out: Record<string, number> = {};
  for (const [k, n] of [...(now ?? [])].sort(([a], [b]) => a.localeCompare(b))) if (n - (before.get(k) ?? 0) > 0) out[k] = n - (before.get(k) ?? 0);
  return out;
};

/** Hash of an environment's files: paths and contents, in path order. */
export function outputHash(files: Iterable<[string, string]>): string {
  return sha(...[...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).flat());
}

/** A stand-in environment holding the fields the fleet ApplicationSet reads (metadata.name, spec.argocd). */
const fleetEnvironment = (r: EnvRecord) => ({ metadata: { name: r.name }, spec: { argocd: r.fleet } }) as unknown as Environment;

export class FleetCache {
  private readonly base: string;
  private readonly previous = new Map<string, EnvRecord>();
  private readonly records = new Map<string, EnvRecord>();
  private readonly byFile = new Map<string, EnvRecord>();
  private ledger: string[] | undefined;
  private before = { checked: new Map<string, number>(), unchecked: new Map<string, number>() };
  /** Why nothing was reused (for a note), when a previous file existed but could not be used. */
  ignored: string | undefined;

  private constructor(
    private readonly defaults: InputFile | undefined,
    private readonly options: FleetCacheOptions,
  ) {
    this.base = sha(`format ${FORMAT}`, toolIdentity(), JSON.stringify([...charts()]), upstreamIdentity(options.upstream?.dir, options.chartValues), `out ${options.outPath}`, `unknown-charts ${Boolean(options.allowUnknownChartVersions)}`, defaults?.path ?? '', defaults?.text ?? '');
    if (options.reuseFrom) this.load(options.reuseFrom);
  }

  /** A cache for a fleet of INCREMENTAL_FROM or more environment files, else undefined. */
  static for(inputs: { defaults?: InputFile; environments: InputFile[] }, options: FleetCacheOptions): FleetCache | undefined {
    return inputs.environments.length >= INCREMENTAL_FROM ? new FleetCache(inputs.defaults, options) : undefined;
  }

  private load(outDir: string) {
    let text: string;
    try {
      text = readFileSync(join(outDir, FLEET_PATH), 'utf8');
    } catch {
      return;
    }
    try {
      const doc = JSON.parse(text) as { generator?: unknown; format?: unknown; tool?: unknown; environments?: unknown };
      if (doc?.generator !== 'tracestack' || doc.format !== FORMAT || !Array.isArray(doc.environments)) throw new Error('not a tracestack fleet file');
      if (doc.tool !== toolIdentity()) return void (this.ignored = `${FLEET_PATH} was written by another tracestack build (${String(doc.tool)}); rendering every environment`);
      for (const r of doc.environments as EnvRecord[]) {
        const ok = r && typeof r.name === 'string' && typeof r.file === 'string' && typeof r.input === 'string' && typeof r.output === 'string' && Array.isArray(r.argo) && Array.isArray(r.bases) && Array.isArray(r.diagnostics) && r.fleet && typeof r.fleet === 'object' && r.checked && r.unchecked;
        if (!ok) throw new Error(`bad entry ${JSON.stringify(r?.name ?? null)}`);
        this.previous.set(r.name, r);
        this.byFile.set(r.file, r);
      }
      const ledger = JSON.parse(readFileSync(join(outDir, '.tracestack/manifest.json'), 'utf8')) as { files?: unknown };
      if (!Array.isArray(ledger.files)) throw new Error('no ledger');
      this.ledger = ledger.files.filter((f): f is string => typeof f === 'string');
    } catch (e) {
      this.previous.clear();
      this.byFile.clear();
      this.ignored = `${FLEET_PATH} is unusable (${(e as Error).message}); rendering every environment`;
    }
  }

  private inputHash(f: InputFile) {
    return sha(this.base, f.path, f.text);
  }

  /**
   * The previous record of this environment file, when its inputs are unchanged and (when `needFiles`) its files
   * on disk are exactly the recorded output. Also marks the start of a rendering (for the checked-object counts).
   */
  lookup(f: InputFile, needFiles: (name: string) => boolean): Reused | undefined {
    this.before = { checked: count(this.options.upstream?.checkedKinds), unchecked: count(this.options.upstream?.uncheckedKinds) };
    if (!this.previous.size || !this.ledger || !this.options.reuseFrom) return undefined;
    const input = this.inputHash(f);
    const r = this.byFile.get(f.path);
    if (r?.input !== input) return undefined;
    if (!needFiles(r.name)) return { record: r, env: fleetEnvironment(r) };
    const files: FileTree = new Map();
    try {
      for (const file of this.ledger) {
        if (!file.startsWith(`${r.name}/`)) continue;
        const p = join(this.options.reuseFrom, file);
        fault('read', p); // injected read faults (tests) apply here as in the writer
        files.set(file, readFileSync(p, 'utf8'));
      }
    } catch {
      return undefined; // a file is missing or unreadable: render it
    }
    if (outputHash(files) !== r.output) return undefined;
    return { record: r, files, env: fleetEnvironment(r) };
  }

  /** A reused environment: its record is kept, and its checked-object counts are counted again. */
  reused(r: Reused): void {
    this.records.set(r.record.name, r.record);
    const up = this.options.upstream;
    if (!up) return;
    for (const [k, n] of Object.entries(r.record.checked)) up.checkedKinds.set(k, (up.checkedKinds.get(k) ?? 0) + n);
    for (const [k, n] of Object.entries(r.record.unchecked)) up.uncheckedKinds.set(k, (up.uncheckedKinds.get(k) ?? 0) + n);
  }

  /** An environment rendered and verified without problems in this run. */
  rendered(f: InputFile, env: Environment, part: FileTree, units: Unit[], argo: ArgoName[], diagnostics: Diagnostic[]): void {
    const a = env.spec.argocd;
    const up = this.options.upstream;
    this.records.set(env.metadata.name, {
      name: env.metadata.name,
      file: f.path,
      input: this.inputHash(f),
      output: outputHash(part),
      argo,
      fleet: { applicationSet: Boolean(a.applicationSet), namespace: a.namespace, repoURL: a.repoURL, targetRevision: a.targetRevision, syncPolicy: { automated: a.syncPolicy.automated, prune: a.syncPolicy.prune, selfHeal: a.syncPolicy.selfHeal } },
      bases: [...new Set(units.flatMap((u) => (u.kind === 'kustomize' ? [u.base ?? u.id] : [])))].sort(),
      // what validating it reported (warnings; some are about _defaults.yaml), replayed when it is reused
      diagnostics: diagnostics.filter((d) => d.severity !== 'error'),
      checked: delta(up?.checkedKinds, this.before.checked),
      unchecked: delta(up?.uncheckedKinds, this.before.unchecked),
    });
  }

  /**
   * The fingerprint file for this run: every environment rendered or reused. A run limited to
   * some environments (--env) keeps the previous records of the others as they are (a changed one that was not
   * rendered keeps its old input hash, so the next run renders it).
   */
  file(valid: string[], partial: boolean): [string, string] {
    const records = new Map(this.records);
    if (partial) for (const name of valid) if (!records.has(name) && this.previous.has(name)) records.set(name, this.previous.get(name)!);
    const lines = [...records.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((r) => JSON.stringify(r));
    return [FLEET_PATH, `{"generator":"tracestack","format":${FORMAT},"tool":${JSON.stringify(toolIdentity())},"environments":[\n${lines.join(',\n')}\n]}\n`];
  }
}

/** The environments of a summary line: their names when few, else counts (any fleet size stays one short line). */
export function environmentSummary(names: string[], reused: number): string {
  if (names.length <= 10) return names.join(', ');
  return `${names.length} environments (${names.length - reused} rendered, ${reused} reused unchanged)`;
}
