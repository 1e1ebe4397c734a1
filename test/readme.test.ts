import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fields, withReference } from '../src/docs/reference.js';
import { environmentSchema } from '../src/validate/schema.js';
import { REPO } from './helpers/repo.js';

describe('README and docs/', () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const reference = readFileSync(join(REPO, 'docs/reference.md'), 'utf8');
  it('the spec reference in docs/reference.md is current with the schema (run `npm run docs`)', () => {
    expect(withReference(reference, environmentSchema)).toBe(reference);
  });
  it('the reference would change if a field were added', () => {
    const changed = structuredClone(environmentSchema) as any;
    changed.$defs.tempo.properties.newKnob = { type: 'string', description: 'x' };
    expect(withReference(reference, changed)).not.toBe(reference);
  });
  it('README (for users) links the reference and the internals, and every relative link resolves', () => {
    expect(readme).toContain('(docs/reference.md)');
    expect(readme).toContain('(docs/internals.md)');
    for (const [, target] of readme.matchAll(/\]\(((?:docs|schemas|environments)\/[^)#\s]+)/g)) expect(existsSync(join(REPO, target)), target).toBe(true);
  });
  it('every schema field with sub-fields or a value is documented with a description', () => {
    const undocumented = fields(environmentSchema).filter((f) => !f.description && !/^spec\.[a-zA-Z]+$/.test(f.path) && f.path !== 'metadata');
    expect(undocumented.map((f) => f.path)).toEqual([]);
  });
  it('names the two commands', () => {
    expect(readme).toContain('npm ci && npm run generate');
    expect(readme).toContain('npm test');
  });
});
