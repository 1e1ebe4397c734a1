import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { emitYaml } from '../src/render/emit.js';
import { misreadInYaml11, serialize, toYaml } from '../src/render/yaml.js';

/**
 * The fast emitter is only an optimisation: wherever it answers, its bytes must be exactly the yaml library's
 * (the committed out/ and every reader's view of it depend on that). Random documents built from the pieces that
 * change how YAML writes a string: indicators, `: `, ` #`, quotes, YAML 1.1 and 1.2 non-strings, document markers,
 * leading/trailing blanks and newlines (block scalars and their chomping), non-ASCII.
 */
const pieces = fc.constantFrom(
  'a', 'Z', '9', '0', '1.5', '-', '_', '.', '/', ':', ': ', ' ', '  ', '#', ' #', '"', "'", '\\', '\n', '\n\n', '\t',
  '*', '&', '!', '%', '@', '`', '|', '>', '?', ',', '[', ']', '{', '}', '<<', '=', '~', '---', '...', 'no', 'on', 'y',
  'Off', 'null', 'NULL', 'true', 'False', '1_000', '0o17', '0x1F', '1e3', '.inf', '12:30', '2001-12-14', 'ü', '😀',
  '\u2028', '\u0085', '\u0007', '{{ .Values.x }}', '${HOME}', 'http://x:3200/a?b=c&d', '.webhooks[]?.clientConfig',
);
const text = fc.oneof(
  { weight: 6, arbitrary: fc.array(pieces, { maxLength: 6 }).map((p) => p.join('')) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
  { weight: 1, arbitrary: fc.constant('x'.repeat(1100)) },
);
const leaf = fc.oneof(
  { weight: 6, arbitrary: text },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -0, 1e21, 5e-7, NaN, Infinity)) },
  { weight: 1, arbitrary: fc.constantFrom(true, false, null) },
);
const { value: doc } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(text, fc.oneof(tie('value'), fc.constant(undefined)), { maxKeys: 4 }),
}));

describe('fast YAML emitter', () => {
  it('writes exactly what the yaml library writes, or declines', () => {
    let answered = 0;
    fc.assert(
      fc.property(doc, (data) => {
        const fast = emitYaml(data, misreadInYaml11);
        if (fast === undefined) return;
        answered++;
        expect(fast).toBe(serialize(data));
      }),
      { numRuns: 3000, seed: 20261124 },
    );
    // the property is not vacuous: most generated documents take the fast path
    expect(answered).toBeGreaterThan(1000);
  });

  it('covers the shapes the planner writes, block scalars included, and they read back as the same data', () => {
    const data = {
      apiVersion: 'argoproj.io/v1alpha1',
      metadata: { name: 'tempo', annotations: { 'argocd.argoproj.io/sync-wave': '-1', 'x/y': 'no' } },
      spec: {
        sources: [{ repoURL: 'https://grafana.github.io/helm-charts', helm: { valueFiles: ['$values/out/prod/values/tempo.yaml'] } }, { ref: 'values' }],
        ignoreDifferences: [{ group: 'admissionregistration.k8s.io', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] }],
        patches: [{ patch: 'apiVersion: v1\nkind: X\nmetadata:\n  name: "a"\n', target: { kind: 'X' } }, { patch: '  indented\nlast' }],
        empty: { a: [], b: {} },
        nested: [[1, 'two', [true, null]], { k: [{ deep: 'v: w' }] }],
        ratio: 0.05,
        quoted: ['*', '"a"', "it's", '', 'on', '1_000', '<<', 'a: b', 'x #y'],
      },
    };
    const fast = emitYaml(data, misreadInYaml11);
    expect(fast).toBeDefined();
    expect(fast).toBe(serialize(data));
    expect(parse(fast!)).toEqual(data);
    expect(toYaml(data)).toBe(fast);
  });

  it('declines what it cannot be sure of, and toYaml still writes it through the library', () => {
    for (const data of [{ a: 'ü' }, { a: 'x\n  ' }, { a: 'keep\n\n' }, { a: NaN }, { ['x'.repeat(1001)]: 1 }, { a: new Date(0) }, { '': 1 }, { a: '---x' }]) {
      expect(emitYaml(data, misreadInYaml11), JSON.stringify(data)).toBeUndefined();
      expect(toYaml(data)).toBe(serialize(data));
    }
  });
});
