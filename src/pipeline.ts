import { sortDiagnostics, type Diagnostic } from './diagnostics.js';
import { loadDefaultsLayer, loadEnvironmentFile, type DefaultsLayer, type InputFile, type LoadedEnvironment } from './load/environments.js';
import { verifyBehaviour, type BehaviourInput } from './verify/behaviour/index.js';
import type { Environment } from './model.js';
import { baseKustomizations, planBases, planEnvironment, planShared, type FileTree, LEDGER_PATH } from './plan/plan.js';
import { resolveEnvironment, unitsFor, type Resolved } from './resolve/units.js';
import { baseEnvironment } from './resolve/resolve.js';
import { validateEnvironment } from './validate/schema.js';
import { checkDefaultsLayer, crossCheck, type CrossCheckOptions } from './resolve/checks/crosschecks.js';
import { validateTeams } from './validate/teams.js';
import { argoNames, fleetCollisions, reservedNames, type ArgoName } from './resolve/checks/names.js';
import { templateInjection } from './validate/templates.js';
import { verifyTreeDocs } from './verify/verify.js';
import { credentialKind, mask, scanForSecrets, scanInputFile } from './verify/secrets.js';
import { pointerToPath } from './validate/schema.js';
import { verifyObjects, type UpstreamValidators } from './verify/upstream.js';
import type { Unit } from './components/types.js';
import { FleetCache, type Reused } from './fleet/incremental.js';

export interface Inputs {
  defaults?: InputFile;
  environments: InputFile[];
  /** Files that could not be read as text (binary, not UTF-8, too large, missing). */
  problems?: Diagnostic[];
}

export interface ValidateResult {
  environments: Environment[];
  sources: Record<string, string>;
  diagnostics: Diagnostic[];
}

/** load -> validate -> resolve defaults. Pure. */
export function validateInputs(inputs: Inputs, options: CrossCheckOptions = {}): ValidateResult {
  const v = new Validation(inputs, options);
  const environments: Environment[] = [];
  for (const f of inputs.environments) {
    const r = v.next(f);
    if (r) environments.push(r.env);
  }
  v.fleetCheck();
  return { environments: environments.sort(byName), sources: v.sources, diagnostics: sortDiagnostics(v.diagnostics) };
}

/** A spec path for a pointer, with any segment that looks like a credential (a token used as a key) masked. */
function secretPath(pointer: string): string {
  return pointerToPath(
    pointer
      .split('/')
      .map((seg) => (seg && credentialKind(undefined, seg.replace(/~1/g, '/').replace(/~0/g, '~')) ? mask(seg) : seg))
      .join('/'),
  );
}

const byName = (a: Environment, b: Environment) => a.metadata.name.localeCompare(b.metadata.name);

/** Validation one environment file at a time (so generate can render each as soon as it is valid). */
class Validation {
  readonly diagnostics: Diagnostic[];
  readonly sources: Record<string, string> = {};
  /** The parsed `_defaults.yaml` (its spec is what Kustomize bases are rendered from). */
  readonly layer: DefaultsLayer;
  private readonly defaultsBroken: boolean;
  private readonly seen = new Map<string, string>();
  /** The loaded document of each valid environment (source positions for findings on the rendered stack). */
  readonly loaded = new Map<string, LoadedEnvironment>();
  /** Argo CD names of every valid environment, for the fleet-level collision check. */
  private readonly argo: ArgoName[] = [];
  /** The same names, by environment (recorded in the fleet fingerprints, src/fleet/incremental.ts). */
  readonly argoOf = new Map<string, ArgoName[]>();

  constructor(
    inputs: Inputs,
    private readonly options: CrossCheckOptions,
  ) {
    this.layer = loadDefaultsLayer(inputs.defaults);
    // Every input file is scanned whole (comments too) for credentials: it is committed to git as it is.
    const defaultsSecrets = inputs.defaults ? scanInputFile(inputs.defaults.path, inputs.defaults.text) : [];
    this.diagnostics = [...(inputs.problems ?? []), ...this.layer.diagnostics, ...checkDefaultsLayer(this.layer), ...defaultsSecrets];
    // With a broken defaults layer every environment would report it again as missing settings: stop at the cause.
    const defaultsPath = inputs.defaults?.path ?? '';
    this.defaultsBroken = this.diagnostics.some((d) => d.file === defaultsPath || d.file.endsWith('/_defaults.yaml'));
  }

  get failed(): boolean {
    return this.diagnostics.some((d) => d.severity === 'error');
  }

  /** Load, validate and resolve one environment file: the resolved environment, or undefined (with diagnostics). */
  next(f: InputFile): Resolved | undefined {
    const loaded = loadEnvironmentFile(f, this.layer);
    this.diagnostics.push(...loaded.diagnostics);
    const env = loaded.environment;
    // Credentials anywhere in the file, at their line (with the spec path of the value they are in, unless the
    // line is a comment). The cross-checks say the same for pass-through values, at the start of the value: one
    // report per value, at the line the credential is on.
    let lines: string[] | undefined;
    const secrets = scanInputFile(f.path, f.text).map((d) => {
      lines ??= f.text.split('\n');
      const pointer = env && !lines[d.line - 1]?.trimStart().startsWith('#') ? env.pointerAt?.(d.line, d.column) : undefined;
      return pointer ? { ...d, path: secretPath(pointer) } : d;
    });
    const reportSecrets = (found: Diagnostic[]) => {
      const kept = found.filter((d) => d.code !== 'secret' || !secrets.some((s) => s.path && s.path === d.path && s.line !== d.line));
      this.diagnostics.push(...kept, ...secrets.filter((s) => !kept.some((d) => d.code === 'secret' && d.line === s.line)));
    };
    if (!env || this.defaultsBroken) return void reportSecrets([]);
    // validate: the schema (its defaults filled in on a copy), then the team rules that need them
    const checked = validateEnvironment(env);
    this.diagnostics.push(...checked.diagnostics);
    if (this.seen.has(env.name)) {
      this.diagnostics.push({ file: env.file, line: 1, column: 1, path: 'metadata.name', code: 'duplicate-environment', message: `environment "${env.name}" is also defined in ${this.seen.get(env.name)}`, severity: 'error' });
    }
    this.seen.set(env.name, env.file);
    const teamProblems = checked.resolved ? validateTeams(env, checked.resolved as unknown as Environment) : [];
    this.diagnostics.push(...teamProblems);
    if (!checked.resolved || teamProblems.length) return void reportSecrets([]);
    const resolved = checked.resolved as unknown as Environment;
    // resolve: names and units, once; the cross-checks on them, plan and verify all read these
    const r = resolveEnvironment(resolved);
    const { names, units } = r;
    const cross = [...reservedNames(env, resolved), ...templateInjection(env), ...crossCheck(env, r, this.options)];
    reportSecrets(cross);
    if (cross.some((d) => d.severity === 'error') || secrets.length) return undefined;
    const argo = argoNames(env, resolved, names, units);
    this.argo.push(...argo);
    this.argoOf.set(env.name, argo);
    this.sources[env.name] = env.file;
    this.loaded.set(env.name, env);
    return r;
  }

  /** An environment reused unchanged from the fleet fingerprints: what the fleet checks need of it (false: validate it). */
  reuse(r: Reused['record']): boolean {
    if (this.defaultsBroken || this.seen.has(r.name)) return false;
    this.seen.set(r.name, r.file);
    this.argo.push(...r.argo);
    this.sources[r.name] = r.file;
    this.diagnostics.push(...r.diagnostics);
    return true;
  }

  /** Checks over all environments once each is loaded: Argo CD names shared by two environments. */
  fleetCheck(): void {
    this.diagnostics.push(...fleetCollisions(this.argo));
  }
}

/** What the behaviour verifier sees for each valid environment (tests break these facts one at a time). */
export function behaviourInputs(inputs: Inputs): { inputs: BehaviourInput[]; diagnostics: Diagnostic[] } {
  const v = new Validation(inputs, {});
  const out: BehaviourInput[] = [];
  for (const f of inputs.environments) {
    const r = v.next(f);
    if (!r) continue;
    const loaded = v.loaded.get(r.env.metadata.name)!;
    out.push({ ...r, document: loaded.document, locate: (p, k) => loaded.locate(p, k) });
  }
  return { inputs: out, diagnostics: v.diagnostics };
}

export interface GenerateOptions extends CrossCheckOptions {
  /** Strict upstream CRD validators; without them objects are not checked against the CRDs. */
  upstream?: UpstreamValidators;
  /** Output folder as seen from the repository root, e.g. "out". */
  outPath: string;
  /** Render only these environments (default: all). */
  only?: string[];
  /**
   * Called with each part of the tree (an environment's files, then the shared files) as soon as it is rendered
   * and verified, while no problem has been found so far: the caller may stage it for writing. The run can
   * still fail afterwards (a later environment, an unknown --env), so nothing may be made visible before
   * generate returns a tree.
   */
  onPart?: (part: FileTree, sameAsDisk?: boolean) => void;
  /** Reuse unchanged environments of a fleet from this output folder (src/fleet/incremental.ts); default: render all. */
  reuseFrom?: string;
}

export interface GenerateResult {
  tree?: FileTree;
  /** Environment names rendered in this run. */
  rendered: string[];
  /** Of those, the environments taken unchanged from disk (inputs and files as recorded in the fleet fingerprints). */
  reused?: string[];
  diagnostics: Diagnostic[];
}

/**
 * The whole pipeline up to (not including) writing. Pure (apart from onPart). Environments are validated,
 * rendered and verified one at a time; any input problem means no tree, and then only the input problems are
 * reported (rendering problems of other environments would be noise).
 */
export function generate(inputs: Inputs, options: GenerateOptions): GenerateResult {
  const v = new Validation(inputs, options);
  const bases = planBases(baseEnvironment(v.layer.spec));
  const candidateBases = baseKustomizations(bases);
  const valid: Environment[] = [];
  const rendered: Environment[] = [];
  const parts: FileTree[] = [];
  const problems: Diagnostic[] = [];
  const only = options.only?.length ? new Set(options.only) : undefined;
  const cache = FleetCache.for(inputs, options);
  const reused = new Set<string>();
  for (const f of inputs.environments) {
    const hit = cache?.lookup(f, (name) => !only || only.has(name));
    if (hit && v.reuse(hit.record)) {
      valid.push(hit.env);
      if (!hit.files) continue;
      cache!.reused(hit);
      for (const b of hit.record.bases) bases.used.add(b);
      reused.add(hit.record.name);
      rendered.push(hit.env);
      parts.push(hit.files);
      if (!problems.length && !v.failed) options.onPart?.(hit.files, true);
      continue;
    }
    const mark = v.diagnostics.length;
    const r = v.next(f);
    if (!r) continue;
    const { env, names, units } = r;
    valid.push(env);
    if (v.failed || (only && !only.has(env.metadata.name))) continue;
    const part = planEnvironment(r, bases, options.outPath, v.sources[env.metadata.name]);
    const loaded = v.loaded.get(env.metadata.name)!;
    const found = [
      ...verifyPart(part, [env], options, (file) => part.has(file) || candidateBases.has(file), units),
      // What the consuming programs would do with it: sync order, namespaces, mesh, tenants, component semantics.
      ...verifyBehaviour({ env, names, units, document: loaded.document, locate: (p, k) => loaded.locate(p, k) }),
    ];
    problems.push(...found);
    if (!found.length) cache?.rendered(f, env, part, units, v.argoOf.get(env.metadata.name) ?? [], v.diagnostics.slice(mark));
    rendered.push(env);
    parts.push(part);
    if (!found.length && !problems.length && !v.failed) options.onPart?.(part);
  }
  v.fleetCheck();
  const diagnostics = v.diagnostics;
  if (only) {
    const known = new Set(valid.map((e) => e.metadata.name));
    // An environment that exists but failed validation is reported by its own errors, not as unknown.
    const present = new Set(inputs.environments.map((f) => f.path.replace(/\\/g, '/').replace(/^.*\//, '').replace(/\.ya?ml$/, '')));
    for (const n of only) {
      if (!known.has(n) && !(present.has(n) && v.failed)) diagnostics.push({ file: '<command line>', line: 1, column: 1, path: '--env', code: 'unknown-environment', message: `no environment named "${n}" (known: ${[...known].sort().join(', ') || 'none'})`, severity: 'error' });
    }
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { rendered: [], diagnostics: sortDiagnostics(diagnostics) };

  // the same order as before streaming: environments by name, then the fleet, then the bases
  const tree: FileTree = new Map();
  const partOf = new Map(rendered.map((e, i) => [e.metadata.name, parts[i]]));
  for (const env of [...rendered].sort(byName)) for (const entry of partOf.get(env.metadata.name)!) tree.set(...entry);
  const shared = planShared(bases, [...valid].sort(byName), options.outPath, inputs.defaults?.path ?? 'built-in defaults');
  for (const entry of shared) tree.set(...entry);
  problems.push(...verifyPart(shared, [], options, (file) => tree.has(file)));
  if (cache) {
    const [file, text] = cache.file(valid.map((e) => e.metadata.name), Boolean(only));
    shared.set(file, text);
    tree.set(file, text);
  }
  if (!problems.length) options.onPart?.(shared);
  diagnostics.push(...problems);
  if (problems.length) return { rendered: [], diagnostics: sortDiagnostics(diagnostics) };
  options.upstream?.save();
  return { tree, rendered: [...rendered].sort(byName).map((e) => e.metadata.name), reused: [...reused].sort(), diagnostics: sortDiagnostics(diagnostics) };
}

/** Verify one part of the tree: files parse back and their references exist, no credentials, objects match the CRDs. */
function verifyPart(part: FileTree, envs: Environment[], options: GenerateOptions, has: (file: string) => boolean, units?: Unit[]): Diagnostic[] {
  const checked = verifyTreeDocs(part, envs.map((e) => e.metadata.name), options.outPath, has);
  const problems = [...checked.problems, ...scanForSecrets(part, options.outPath)];
  if (options.upstream) {
    // Overlays are checked as the objects they build (the planner's objects, namespaced), the rest file by file.
    const overlays = envs.flatMap((env) =>
      (units ?? unitsFor(env)).flatMap((u) =>
        u.kind === 'kustomize'
          ? u.targetNamespaces.flatMap((ns) => u.objects.map((o) => ({ file: `${env.metadata.name}/kustomize/${u.id}`, object: { ...o, metadata: { ...o.metadata, namespace: ns } } })))
          : [],
      ),
    );
    problems.push(...verifyObjects(checked.docs, overlays, options.upstream, options.outPath, false));
  }
  return problems;
}

export { LEDGER_PATH };
