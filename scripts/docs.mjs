// Regenerates the spec reference in docs/reference.md from schemas/environment.schema.json (npm run docs).
import { readFileSync, writeFileSync } from 'node:fs';
import { withReference } from '../dist/docs/reference.js';

const schema = JSON.parse(readFileSync(new URL('../schemas/environment.schema.json', import.meta.url), 'utf8'));
const path = new URL('../docs/reference.md', import.meta.url);
writeFileSync(path, withReference(readFileSync(path, 'utf8'), schema));
