#!/usr/bin/env node
'use strict';
// The tracestack command. It runs the CommonJS bundle dist/tracestack.cjs through a V8 code cache: compiling the
// ~600 KB bundle at every start cost more than validating an environment. The cache lives beside the schema
// cache (node_modules/.cache/tracestack, or $TRACESTACK_CACHE), is keyed by the bundle and the Node.js version,
// and is rebuilt whenever V8 rejects it. Without a writable cache the bundle simply runs uncached.
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');
const crypto = require('node:crypto');

const bundle = path.join(__dirname, '..', 'dist', 'tracestack.cjs');
const source = fs.readFileSync(bundle, 'utf8').replace(/^#!.*/, '');
const cacheDir = process.env.TRACESTACK_CACHE || path.join(__dirname, '..', 'node_modules', '.cache', 'tracestack');
const key = crypto.createHash('sha256').update(source).update(process.version).update(process.arch).digest('hex').slice(0, 16);
const cacheFile = path.join(cacheDir, `cli-${key}.v8cache`);

let cachedData;
try {
  cachedData = fs.readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData });
if (!cachedData || script.cachedDataRejected) {
  // Written at exit, so the cache also holds the functions this run compiled lazily.
  process.once('exit', () => {
    try {
      fs.mkdirSync(cacheDir, { recursive: true });
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, cacheFile);
      // caches of other bundles (earlier builds) written over a day ago are removed, so they do not pile up
      for (const f of fs.readdirSync(cacheDir)) {
        const p = path.join(cacheDir, f);
        if (/^cli-[0-9a-f]{16}\.v8cache$/.test(f) && p !== cacheFile && Date.now() - fs.statSync(p).mtimeMs > 86_400_000) fs.rmSync(p, { force: true });
      }
    } catch {
      // no writable cache: run uncached next time too
    }
  });
}
const mod = new Module(bundle, module);
mod.filename = bundle;
mod.paths = Module._nodeModulePaths(path.dirname(bundle));
const localRequire = (id) => mod.require(id);
localRequire.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
localRequire.main = require.main;
script.runInThisContext()(mod.exports, localRequire, mod, bundle, path.dirname(bundle));
