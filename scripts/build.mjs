// Build: after tsc, (1) precompile the environment schema with ajv standalone (compiling it at start-up costs
// more than the rest of a validate run), (2) bundle the CLI into one file (resolving ~150 small ESM modules
// at start-up is most of the remaining time), (3) bundle each worker thread of the writer into a small file beside
// it (dist/<name>.cjs, where src/write/workers.ts looks for them from the bundle). All are plain build steps of
// public tools.
import { readFileSync, writeFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { build } from 'esbuild';
import { AJV_OPTIONS } from '../dist/validate/options.js';

const root = new URL('../', import.meta.url);
const schema = JSON.parse(readFileSync(new URL('schemas/environment.schema.json', root), 'utf8'));
const ajv = new Ajv2020({ ...AJV_OPTIONS, code: { source: true } });
const validate = ajv.compile(schema);
writeFileSync(new URL('dist/environment.validate.cjs', root), standaloneCode.default(ajv, validate));
// In the bundle, src/validate/prebuilt.ts is this precompiled validator (so it shares the bundle's code cache).
writeFileSync(new URL('dist/validate/prebuilt.bundle.cjs', root), "exports.prebuiltValidator = require('../environment.validate.cjs');\n");
const prebuiltInBundle = {
  name: 'prebuilt-validator',
  setup(b) {
    b.onResolve({ filter: /^\.\/prebuilt\.js$/ }, (args) => (args.importer.endsWith('/validate/schema.js') ? { path: new URL('dist/validate/prebuilt.bundle.cjs', root).pathname } : undefined));
  },
};

await build({
  entryPoints: [new URL('dist/cli/main.js', root).pathname],
  outfile: new URL('dist/tracestack.cjs', root).pathname,
  bundle: true,
  platform: 'node',
  // CommonJS, so bin/tracestack.cjs can compile it with a V8 code cache (vm.Script cachedData)
  format: 'cjs',
  target: 'node20',
  define: { 'import.meta.url': '__tracestack_bundle_url' },
  banner: { js: "const __tracestack_bundle_url = require('node:url').pathToFileURL(__filename).href;" },
  minify: true,
  plugins: [prebuiltInBundle],
  // Graphviz (WebAssembly, ~1.4 MB of JavaScript) stays out of the bundle: `tracestack graph` require()s it from
  // node_modules at first use, so no other command parses or compiles it at start-up.
  external: ['@viz-js/viz'],
  logLevel: 'warning',
});

// The worker threads of src/write: each its own small CommonJS bundle (errors.ts and files.ts, nothing else), so a
// thread starts without parsing the CLI bundle.
for (const name of ['compare-worker', 'write-worker']) {
  await build({
    entryPoints: [new URL(`dist/write/${name}.js`, root).pathname],
    outfile: new URL(`dist/${name}.cjs`, root).pathname,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    logLevel: 'warning',
  });
}
// The start-up module on its own (a few KB, node: built-ins only): bin/tracestack.cjs requires it to run the
// bundle above through its V8 code cache.
await build({ entryPoints: [new URL('src/startup.ts', root).pathname], outfile: new URL('dist/startup.cjs', root).pathname, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' });
