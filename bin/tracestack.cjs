#!/usr/bin/env node
'use strict';
// The tracestack command. It runs the CommonJS bundle dist/tracestack.cjs through a V8 code cache: compiling the
// ~600 KB bundle at every start cost more than validating an environment. The cache lives beside the schema
// cache (node_modules/.cache/tracestack, or $TRACESTACK_CACHE), is keyed by the bundle and the Node.js version,
// and is rebuilt whenever V8 rejects it. Without a writable cache the bundle simply runs uncached.
// The code-cache logic is src/startup.ts (built as dist/startup.cjs), shared with the upstream CRD validators.
const fs = require('node:fs');
const path = require('node:path');
const { codeCacheKey, runCommonJs } = require('../dist/startup.cjs');

const bundle = path.join(__dirname, '..', 'dist', 'tracestack.cjs');
const source = fs.readFileSync(bundle, 'utf8');
const cacheDir = process.env.TRACESTACK_CACHE || path.join(__dirname, '..', 'node_modules', '.cache', 'tracestack');
// caches of other bundles (earlier builds) written over a day ago are removed, so they do not pile up
runCommonJs(bundle, source, { cacheFile: path.join(cacheDir, `cli-${codeCacheKey(source)}.v8cache`), prune: /^cli-[0-9a-f]{16}\.v8cache$/ });
