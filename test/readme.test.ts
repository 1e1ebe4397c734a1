import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fields, withReference } from '../src/docs/reference.js';
import { environmentSchema } from '../src/validate/schema.js';
import { REPO } from './helpers/repo.js';

describe('README', () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  it('its spec reference is current with the schema (run `npm run docs`)', () => {
    expect(withReference(readme, environmentSchema)).toBe(readme);
  });
  it('the reference would change if a field were added', () => {
    const changed = structuredClone(environmentSchema) as any;
    changed.$defs.tempo.properties.newKnob = { type: 'string', description: 'x' };
    expect(withReference(readme, changed)).not.toBe(readme);
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
