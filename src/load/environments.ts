import type { Diagnostic, SourcePosition } from '../diagnostics.js';
import { deepMerge, isPlainObject } from './merge.js';
import { escapePointer, parseYamlSource, type SourceFile } from './yamlSource.js';

/** File name (in environments/) of the layer every environment is merged over. */
export const DEFAULTS_FILE = '_defaults.yaml';

/**
 * Maps that an environment replaces as a whole instead of merging into the defaults: choosing a destination
 * by name must drop the default server (they are alternatives).
 */
export const REPLACED_NOT_MERGED: ReadonlySet<string> = new Set(['.argocd.destination']);

export interface InputFile {
  /** Path as shown to the user. */
  path: string;
  text: string;
}

/** An environment after layering `_defaults.yaml` under it, with a way back to the source of every value. */
export interface LoadedEnvironment {
  name: string;
  file: string;
  document: Record<string, unknown>;
  locate(pointer: string, preferKey?: boolean): SourcePosition;
  /** The JSON pointer of the value at a line and column of this file (the nearest value before it), if any. */
  pointerAt?(line: number, column: number): string | undefined;
}

export interface LoadResult {
  environments: LoadedEnvironment[];
  diagnostics: Diagnostic[];
}

const baseName = (p: string) => p.replace(/\\/g, '/').split('/').pop()!.replace(/\.ya?ml$/, '');

/** The parsed defaults layer that every environment is merged over. */
export interface DefaultsLayer {
  spec: Record<string, unknown>;
  source?: SourceFile;
  diagnostics: Diagnostic[];
}

/**
 * Parse the defaults layer and each environment file, and merge (maps deep, lists replace).
 * Pure: the caller reads the files.
 */
export function loadEnvironments(defaults: InputFile | undefined, envFiles: InputFile[]): LoadResult {
  const layer = loadDefaultsLayer(defaults);
  const diagnostics = [...layer.diagnostics];
  const environments: LoadedEnvironment[] = [];
  for (const f of envFiles) {
    const r = loadEnvironmentFile(f, layer);
    diagnostics.push(...r.diagnostics);
    if (r.environment) environments.push(r.environment);
  }
  return { environments, diagnostics };
}

/** Parse `_defaults.yaml` (absent: an empty layer). */
export function loadDefaultsLayer(defaults: InputFile | undefined): DefaultsLayer {
  const diagnostics: Diagnostic[] = [];
  let defaultsSource: SourceFile | undefined;
  let defaultsSpec: Record<string, unknown> = {};
  if (defaults) {
    const parsed = parseYamlSource(defaults.path, defaults.text);
    diagnostics.push(...parsed.diagnostics);
    if (parsed.source) {
      const d = parsed.source.data;
      const at = (ptr: string) => parsed.source!.keys.get(ptr) ?? parsed.source!.values.get(ptr) ?? { file: defaults.path, line: 1, column: 1 };
      if (!isPlainObject(d)) {
        diagnostics.push({ ...at(''), path: '', code: 'type', message: 'the defaults file must be a map with apiVersion, kind and spec', severity: 'error' });
      } else {
        for (const k of Object.keys(d)) {
          if (!['apiVersion', 'kind', 'spec'].includes(k)) {
            diagnostics.push({ ...at(`/${escapePointer(k)}`), path: k, code: 'unknown-key', message: `unknown key "${k}" in the defaults file (allowed: apiVersion, kind, spec)`, severity: 'error' });
          }
        }
        if (d.apiVersion !== 'tracestack.dev/v1alpha1') {
          diagnostics.push({ ...at('/apiVersion'), path: 'apiVersion', code: 'const', message: 'expected apiVersion tracestack.dev/v1alpha1', suggestion: 'Set: apiVersion: tracestack.dev/v1alpha1', severity: 'error' });
        }
        if (d.kind !== 'EnvironmentDefaults') {
          diagnostics.push({ ...at('/kind'), path: 'kind', code: 'const', message: 'expected kind EnvironmentDefaults in the defaults file', suggestion: 'Set: kind: EnvironmentDefaults', severity: 'error' });
        }
        if (d.spec !== undefined && !isPlainObject(d.spec)) {
          diagnostics.push({ ...at('/spec'), path: 'spec', code: 'type', message: 'spec must be a map', severity: 'error' });
        } else {
          defaultsSpec = (d.spec as Record<string, unknown>) ?? {};
          defaultsSource = parsed.source;
        }
      }
    }
  }

  return { spec: defaultsSpec, source: defaultsSource, diagnostics };
}

/** Parse one environment file and layer it over the defaults. */
export function loadEnvironmentFile(f: InputFile, layer: DefaultsLayer): { environment?: LoadedEnvironment; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const defaultsSpec = layer.spec;
  const defaultsSource = layer.source;
  const parsed = parseYamlSource(f.path, f.text);
  diagnostics.push(...parsed.diagnostics);
  if (!parsed.source) return { diagnostics };
  const src = parsed.source;
  if (src.data === null || src.data === undefined) {
    diagnostics.push({ file: f.path, line: 1, column: 1, path: '', code: 'empty', message: 'the file is empty; an environment needs apiVersion, kind, metadata and spec', severity: 'error' });
    return { diagnostics };
  }
  if (!isPlainObject(src.data)) {
    diagnostics.push({ ...(src.values.get('') ?? { file: f.path, line: 1, column: 1 }), path: '', code: 'type', message: 'an environment file must be a map (apiVersion, kind, metadata, spec)', severity: 'error' });
    return { diagnostics };
  }
  const data = src.data;
  const document: Record<string, unknown> = { ...data };
  if (isPlainObject(data.spec) || data.spec === undefined) {
    document.spec = deepMerge(defaultsSpec, data.spec ?? {}, REPLACED_NOT_MERGED);
  }
  const fromDefaults = (pointer: string, preferKey: boolean): SourcePosition | undefined => {
    if (!defaultsSource || !pointer.startsWith('/spec')) return undefined;
    return (preferKey ? defaultsSource.keys.get(pointer) : undefined) ?? defaultsSource.values.get(pointer);
  };
  const locate = (pointer: string, preferKey = false): SourcePosition => {
    // Exact hits first (the environment wins over the defaults layer), then the nearest ancestor.
    for (let p = pointer; ; p = p.slice(0, p.lastIndexOf('/'))) {
      const own = (preferKey ? src.keys.get(p) : undefined) ?? src.values.get(p);
      if (own) return own;
      const inherited = fromDefaults(p, preferKey);
      if (inherited) return inherited;
      if (p === '') return { file: f.path, line: 1, column: 1 };
    }
  };
  const name = isPlainObject(data.metadata) && typeof data.metadata.name === 'string' ? data.metadata.name : baseName(f.path);
  const pointerAt = (line: number, column: number): string | undefined => {
    let best: [string, SourcePosition] | undefined;
    for (const entry of src.values) {
      const p = entry[1];
      if (p.line > line || (p.line === line && p.column > column)) continue;
      if (!best || p.line > best[1].line || (p.line === best[1].line && p.column > best[1].column)) best = entry;
    }
    return best?.[0];
  };
  const environment = { name, file: f.path, document, locate, pointerAt };
  if (isPlainObject(data.metadata) && typeof data.metadata.name === 'string' && data.metadata.name !== baseName(f.path)) {
    diagnostics.push({
      ...locate('/metadata/name'),
      path: 'metadata.name',
      code: 'name-mismatch',
      message: `metadata.name "${data.metadata.name}" does not match the file name "${baseName(f.path)}"`,
      suggestion: `Set: metadata.name: ${baseName(f.path)} (or rename the file to ${data.metadata.name}.yaml)`,
      severity: 'error',
    });
  }
  return { environment, diagnostics };
}
