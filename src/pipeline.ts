import { sortDiagnostics, type Diagnostic } from './diagnostics.js';
import { loadEnvironments, type InputFile } from './load/environments.js';
import { isPlainObject } from './load/merge.js';
import { parseYamlSource } from './load/yamlSource.js';
import type { Environment } from './model.js';
import { plan, type FileTree, LEDGER_PATH, unitsFor } from './plan/plan.js';
import { baseEnvironment } from './resolve/resolve.js';
import { validateEnvironment } from './validate/schema.js';
import { crossCheck, type CrossCheckOptions } from './validate/crosschecks.js';
import { validateTeams } from './validate/teams.js';
import { verifyTreeDocs } from './verify/verify.js';
import { scanForSecrets } from './verify/secrets.js';
import { verifyObjects, type UpstreamValidators } from './verify/upstream.js';

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
  const loaded = loadEnvironments(inputs.defaults, inputs.environments);
  const diagnostics = [...(inputs.problems ?? []), ...loaded.diagnostics];
  const environments: Environment[] = [];
  const sources: Record<string, string> = {};
  const seen = new Map<string, string>();
  // With a broken defaults layer every environment would report it again as missing settings: stop at the cause.
  const defaultsPath = inputs.defaults?.path ?? '';
  const defaultsBroken = diagnostics.some((d) => d.file === defaultsPath || d.file.endsWith('/_defaults.yaml'));
  for (const env of loaded.environments) {
    if (defaultsBroken) continue;
    const r = validateEnvironment(env);
    diagnostics.push(...r.diagnostics);
    if (seen.has(env.name)) {
      diagnostics.push({ file: env.file, line: 1, column: 1, path: 'metadata.name', code: 'duplicate-environment', message: `environment "${env.name}" is also defined in ${seen.get(env.name)}`, severity: 'error' });
    }
    seen.set(env.name, env.file);
    const teamProblems = r.resolved ? validateTeams(env, r.resolved as unknown as Environment) : [];
    diagnostics.push(...teamProblems);
    if (r.resolved && teamProblems.length === 0) {
      const cross = crossCheck(env, r.resolved as unknown as Environment, options);
      diagnostics.push(...cross);
      if (cross.some((d) => d.severity === 'error')) continue;
      environments.push(r.resolved as unknown as Environment);
      sources[env.name] = env.file;
    }
  }
  return { environments: environments.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name)), sources, diagnostics: sortDiagnostics(diagnostics) };
}

export interface GenerateOptions extends CrossCheckOptions {
  /** Strict upstream CRD validators; without them objects are not checked against the CRDs. */
  upstream?: UpstreamValidators;
  /** Output folder as seen from the repository root, e.g. "out". */
  outPath: string;
  /** Render only these environments (default: all). */
  only?: string[];
}

export interface GenerateResult {
  tree?: FileTree;
  /** Environment names rendered in this run. */
  rendered: string[];
  diagnostics: Diagnostic[];
}

/** The whole pipeline up to (not including) writing. Pure. */
export function generate(inputs: Inputs, options: GenerateOptions): GenerateResult {
  const v = validateInputs(inputs, options);
  const diagnostics = [...v.diagnostics];
  let envs = v.environments;
  if (options.only?.length) {
    const known = new Set(envs.map((e) => e.metadata.name));
    for (const n of options.only) {
      if (!known.has(n)) diagnostics.push({ file: '<command line>', line: 1, column: 1, path: '--env', code: 'unknown-environment', message: `no environment named "${n}" (known: ${[...known].join(', ') || 'none'})`, severity: 'error' });
    }
    envs = envs.filter((e) => options.only!.includes(e.metadata.name));
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { rendered: [], diagnostics: sortDiagnostics(diagnostics) };

  const defaultsSpec = defaultsSpecOf(inputs.defaults);
  const tree = plan({
    environments: envs,
    base: baseEnvironment(defaultsSpec),
    outPath: options.outPath,
    sources: v.sources,
    fleet: v.environments,
    defaultsSource: inputs.defaults?.path ?? 'built-in defaults',
  });
  const checked = verifyTreeDocs(tree, envs.map((e) => e.metadata.name), options.outPath);
  const problems = [...checked.problems, ...scanForSecrets(tree, options.outPath)];
  if (options.upstream) {
    // Overlays are checked as the objects they build (the planner's objects, namespaced), the rest file by file.
    const overlays = envs.flatMap((env) =>
      unitsFor(env).flatMap((u) =>
        u.kind === 'kustomize'
          ? u.targetNamespaces.flatMap((ns) => u.objects.map((o) => ({ file: `${env.metadata.name}/kustomize/${u.id}`, object: { ...o, metadata: { ...o.metadata, namespace: ns } } })))
          : [],
      ),
    );
    problems.push(...verifyObjects(checked.docs, overlays, options.upstream, options.outPath));
  }
  diagnostics.push(...problems);
  if (problems.length) return { rendered: [], diagnostics: sortDiagnostics(diagnostics) };
  return { tree, rendered: envs.map((e) => e.metadata.name), diagnostics };
}

function defaultsSpecOf(f: InputFile | undefined): Record<string, unknown> {
  if (!f) return {};
  const parsed = parseYamlSource(f.path, f.text);
  const d = parsed.source?.data;
  return isPlainObject(d) && isPlainObject(d.spec) ? d.spec : {};
}

export { LEDGER_PATH };
