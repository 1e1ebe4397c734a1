/** A problem found in the user's input, with where it is. Errors are values, collected and reported together. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

export interface Diagnostic {
  /** Path of the offending file, relative to the working directory when possible. */
  file: string;
  line: number;
  column: number;
  /** Spec path such as spec.tempo.storage.backend ("" for a whole-file problem). */
  path: string;
  /** Stable machine-readable code, e.g. unknown-key, type, enum, required, yaml-syntax. */
  code: string;
  message: string;
  suggestion?: string;
  severity: 'error' | 'warning';
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = `${d.file}:${d.line}:${d.column}`;
  const path = d.path ? ` ${d.path}:` : '';
  const hint = d.suggestion ? `\n    ${d.suggestion}` : '';
  return `${where}: ${d.severity}:${path} ${d.message}${hint}`;
}

/**
 * Sorted by place, and each problem once: a problem in _defaults.yaml is found again in every environment that
 * inherits the value, at the same place with the same message, and is reported once.
 */
export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const unique = ds.filter((d) => {
    const key = JSON.stringify([d.file, d.line, d.column, d.path, d.code, d.severity, d.message, d.suggestion ?? '']);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.path.localeCompare(b.path),
  );
}

/**
 * Edit distance for "did you mean": insertions, deletions, substitutions and transpositions of two neighbouring
 * letters (optimal string alignment, a Damerau-Levenshtein distance), so `gsc` is one edit from `gcs`.
 */
export function levenshtein(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The closest candidate, if it is close enough to be a plausible typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const d = levenshtein(word.toLowerCase(), c.toLowerCase());
    if (d < bestScore) {
      best = c;
      bestScore = d;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(2, Math.floor(Math.max(word.length, best.length) / 3));
  return bestScore <= limit ? best : undefined;
}
