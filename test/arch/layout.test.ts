import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/repo.js';

/**
 * The spine as one visible sequence: a module may import its own stage or an earlier one, never a later one
 * (README "How the code is laid out"). Components are descriptions every stage reads: they import only the base
 * and the loader's merge helpers.
 */
export const STAGES: ReadonlyArray<{ name: string; paths: string[] }> = [
  { name: 'base', paths: ['model.ts', 'diagnostics.ts', 'package.ts', 'startup.ts', 'render', 'util'] },
  { name: 'load', paths: ['load'] },
  { name: 'components', paths: ['components'] },
  { name: 'validate', paths: ['validate'] },
  { name: 'resolve', paths: ['resolve'] },
  { name: 'plan', paths: ['plan'] },
  { name: 'verify', paths: ['verify'] },
  { name: 'write', paths: ['write', 'fleet'] },
  { name: 'spine', paths: ['pipeline.ts'] },
  { name: 'front ends', paths: ['cli', 'diff', 'graph', 'docs', 'init'] },
];

const SRC = join(REPO, 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

export function stageOf(file: string): number {
  const rel = relative(SRC, file).split('\\').join('/');
  const i = STAGES.findIndex((s) => s.paths.some((p) => rel === p || rel.startsWith(`${p}/`)));
  return i;
}

/** Relative imports of a module (static and dynamic), as absolute .ts paths. */
export function importsOf(file: string, text = readFileSync(file, 'utf8')): string[] {
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/g), ...text.matchAll(/import\(\s*'(\.[^']+)'\s*\)/g)].map((m) => m[1]);
  return specs.map((s) => posix.normalize(join(dirname(file), s).split('\\').join('/')).replace(/\.js$/, '.ts'));
}

describe('code layout', () => {
  const all = files(SRC);

  it('every module under src/ belongs to a stage', () => {
    expect(all.filter((f) => stageOf(f) < 0).map((f) => relative(SRC, f))).toEqual([]);
  });

  it('no module imports a later stage', () => {
    const backwards = all.flatMap((f) =>
      importsOf(f)
        .filter((target) => stageOf(target) > stageOf(f))
        .map((target) => `${relative(SRC, f)} (${STAGES[stageOf(f)].name}) imports ${relative(SRC, target)} (${STAGES[stageOf(target)].name})`),
    );
    expect(backwards).toEqual([]);
  });

  it('the stage rule catches a backward import', () => {
    const file = join(SRC, 'validate/schema.ts');
    const planted = importsOf(file, "import { unitsFor } from '../resolve/units.js';\n");
    expect(planted.some((t) => stageOf(t) > stageOf(file))).toBe(true);
  });

  it('no file under src/ is over 300 lines', () => {
    const long = all.map((f) => [relative(SRC, f), readFileSync(f, 'utf8').split('\n').length] as const).filter(([, n]) => n > 300);
    expect(long).toEqual([]);
  });
});
