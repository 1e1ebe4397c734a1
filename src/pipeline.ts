import { sortDiagnostics, type Diagnostic } from './diagnostics.js';
import { loadEnvironments, type InputFile } from './load/environments.js';
import { isPlainObject } from './load/merge.js';
import { parseYamlSource } from './load/yamlSource.js';
import type { Environment } from './model.js';
import { plan, type FileTree, LEDGER_PATH } from './plan/plan.js';
import { baseEnvironment } from './resolve/resolve.js';
import { validateEnvironment } from './validate/schema.js';
import { validateTeams } from './validate/teams.js';
import { verifyTree } from './verify/verify.js';

export interface Inputs {
  defaults?: InputFile;
  environments: InputFile[];
}

export interface ValidateResult {
  environments: Environment[];
  sources: Record<string, string>;
  diagnostics: Diagnostic[];
}

/** load -> validate -> resolve defaults. Pure. */
export function validateInputs(inputs: Inputs): ValidateResult {
  const loaded = loadEnvironments(inputs.defaults, inputs.environments);
  const diagnostics = [...loaded.diagnostics];
  const environments: Environment[] = [];
  const sources: Record<string, string> = {};
  const seen = new Map<string, string>();
  for (const env of loaded.environments) {
    const r = validateEnvironment(env);
    diagnostics.push(...r.diagnostics);
    if (seen.has(env.name)) {
      diagnostics.push({ file: env.file, line: 1, column: 1, path: 'metadata.name', code: 'duplicate-environment', message: `environment "${env.name}" is also defined in ${seen.get(env.name)}`, severity: 'error' });
    }
    seen.set(env.name, env.file);
    const teamProblems = r.resolved ? validateTeams(env, r.resolved as unknown as Environment) : [];
    diagnostics.push(...teamProblems);
    if (r.resolved && teamProblems.length === 0) {
      environments.push(r.resolved as unknown as Environment);
      sources[env.name] = env.file;
    }
  }
  return { environments: environments.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name)), sources, diagnostics: sortDiagnostics(diagnostics) };
}

export interface GenerateOptions {
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
  const v = validateInputs(inputs);
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
    defaultsSource: inputs.defaults?.path ?? 'built-in defaults',
  });
  const problems = verifyTree(tree, envs.map((e) => e.metadata.name), options.outPath);
  diagnostics.push(...problems);
  if (problems.length) return { rendered: [], diagnostics };
  return { tree, rendered: envs.map((e) => e.metadata.name), diagnostics };
}

function defaultsSpecOf(f: InputFile | undefined): Record<string, unknown> {
  if (!f) return {};
  const parsed = parseYamlSource(f.path, f.text);
  const d = parsed.source?.data;
  return isPlainObject(d) && isPlainObject(d.spec) ? d.spec : {};
}

export { LEDGER_PATH };
