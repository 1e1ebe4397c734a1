// Regenerates docs/graphs/<env>.svg and .mmd for the example environments (with the built CLI, exactly as a user
// runs `tracestack graph`), and the graphs section of README.md (npm run graphs). test/graph.test.ts fails when
// they differ from a fresh render.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withGraphs } from '../dist/graph/readme.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const dir = new URL('../docs/graphs/', import.meta.url);
rmSync(dir, { recursive: true, force: true });
for (const format of ['svg', 'mermaid']) execFileSync(process.execPath, ['bin/tracestack.cjs', 'graph', '--format', format, '--out', 'docs/graphs'], { cwd: root, stdio: 'inherit' });
const envs = readdirSync(dir).filter((f) => f.endsWith('.mmd')).map((f) => f.slice(0, -4)).sort();
const readme = new URL('../README.md', import.meta.url);
writeFileSync(readme, withGraphs(readFileSync(readme, 'utf8'), envs.map((env) => ({ env, mermaid: readFileSync(new URL(`${env}.mmd`, dir), 'utf8') }))));
console.log(`README.md: graphs of ${envs.join(', ')}`);
