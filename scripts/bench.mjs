// npm run bench: wall time and peak RSS of tracestack on 1 environment and on synthetic fleets, each figure next
// to `node -e 0` measured in the same run. Public tools only: node, and /usr/bin/time when present.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(REPO, 'bin/tracestack.cjs'); // the command npm installs as the bin
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
// The fleets live in a temp folder, away from ../shared/upstream: point generate at the upstream schemas so every
// run verifies its objects against the CRDs, as it does in this repository (skipped, and said, when absent).
const UPSTREAM = process.env.TRACESTACK_SCHEMAS ?? join(REPO, '../shared/upstream');
const ENV = existsSync(join(UPSTREAM, 'crd-schemas/index.json')) ? { ...process.env, TRACESTACK_SCHEMAS: UPSTREAM } : process.env;
if (!existsSync(CLI)) throw new Error('run `npm run build` first');

/** One run: wall milliseconds and peak RSS in MB (from /usr/bin/time, else a wrapper reading resourceUsage). */
function once(args, cwd) {
  const start = process.hrtime.bigint();
  const r = TIME
    ? spawnSync(TIME, ['-f', '%M', process.execPath, ...args], { cwd, encoding: 'utf8', env: ENV })
    : spawnSync(process.execPath, ['--import', 'data:text/javascript,process.on("exit",()=>process.stderr.write("\\n"+process.resourceUsage().maxRSS+"\\n"))', ...args], { cwd, encoding: 'utf8', env: ENV });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0 && !(args.includes('--check') && r.status === 1)) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  const rssKb = Number(r.stderr.trim().split('\n').pop());
  return { ms, rssMb: rssKb / 1024 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median wall time and max peak RSS of RUNS runs after one warm-up; `cwd` may be a function giving each run's folder. */
function measure(args, cwd) {
  const cwdOf = typeof cwd === 'function' ? cwd : () => cwd;
  once(args, cwdOf());
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(once(args, cwdOf()));
  return { ms: median(runs.map((r) => r.ms)), rssMb: Math.max(...runs.map((r) => r.rssMb)) };
}

/**
 * A repository with N environments made from an example (default prod: Tempo 3 with Strimzi Kafka), each with its own
 * name and sampling.
 */
function fleet(n, from = 'prod') {
  const dir = mkdtempSync(join(tmpdir(), `tracestack-bench-${n}-`));
  made.push(dir);
  mkdirSync(join(dir, 'environments'));
  cpSync(join(REPO, 'environments/_defaults.yaml'), join(dir, 'environments/_defaults.yaml'));
  const example = readFileSync(join(REPO, `environments/${from}.yaml`), 'utf8');
  for (let i = 0; i < n; i++) {
    const name = `env-${String(i).padStart(3, '0')}`;
    writeFileSync(join(dir, 'environments', `${name}.yaml`), example.replace(`name: ${from}`, `name: ${name}`).replace('samplingPercentage: 5', `samplingPercentage: ${(i % 100) + 1}`));
  }
  return dir;
}

const made = [];
process.on('exit', () => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
// "Into an empty out/": every run gets its own copy of the repository (environments/ only, copied untimed) and
// writes its out/ there; all copies are deleted only when the bench ends. Deleting thousands of files just before
// a timed run bills the harness's cleanup to the run: ext4 skips inodes freed in the last ~30 s when it allocates
// new ones (recently_deleted), so creating files right after a mass delete costs several times more kernel time
// (measured on this machine: 0.3 s -> 3.3 s of sys time for 200 environments). One row shows that case.
let copies = 0;
const freshRepo = (dir) => () => {
  const copy = join(dir, 'runs', `run-${++copies}`);
  cpSync(join(dir, 'environments'), join(copy, 'environments'), { recursive: true });
  return copy;
};
const rows = [];
const row = (what, m, base) => rows.push({ what, ms: m.ms, ratio: m.ms / base.ms, rssMb: m.rssMb });

const baseline = measure(['-e', '0'], REPO);
rows.push({ what: 'node -e 0', ms: baseline.ms, ratio: 1, rssMb: baseline.rssMb });

const one = fleet(1);
row('generate, 1 environment (validated, into an empty out/)', measure([CLI, 'generate'], freshRepo(one)), baseline);
row('validate, 1 environment', measure([CLI, 'validate'], one), baseline);
// The same single-environment rows for a Tempo 2 environment (staging: 2.x, no Kafka), beside prod's Tempo 3 above.
const one2 = fleet(1, 'staging');
row('generate, 1 environment on Tempo 2 (staging)', measure([CLI, 'generate'], freshRepo(one2)), baseline);
row('validate, 1 environment on Tempo 2 (staging)', measure([CLI, 'validate'], one2), baseline);
const printRows = () => {
  const w = Math.max(...rows.map((r) => r.what.length));
  console.log(`tracestack bench: node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), median of ${RUNS} runs after 1 warm-up; RSS = max peak over the runs (${TIME ? '/usr/bin/time' : 'process.resourceUsage'}); objects verified against ${ENV.TRACESTACK_SCHEMAS ?? 'no upstream schemas (not found)'}\n`);
  console.log(`${'what'.padEnd(w)}  ${'wall ms'.padStart(8)}  ${'x node -e 0'.padStart(11)}  ${'peak RSS MB'.padStart(11)}`);
  const num = (x, d) => (Number.isNaN(x) ? '-' : x.toFixed(d));
  for (const r of rows) console.log(`${r.what.padEnd(w)}  ${num(r.ms, 0).padStart(8)}  ${num(r.ratio, 2).padStart(11)}  ${(Number.isNaN(r.rssMb) ? '-' : r.rssMb.toFixed(0)).padStart(11)}`);
};
const verdict = (ok) => (ok ? 'ok' : 'MISSED');
const singleTargets = () => {
  const [, oneGen, oneVal, twoGen, twoVal] = rows;
  const x = (r) => r.ms / baseline.ms;
  console.log(`  1 validated environment (tracestack validate) within 2.5x node -e 0: Tempo 3 ${x(oneVal).toFixed(2)}x  ${verdict(x(oneVal) <= 2.5)}; Tempo 2 ${x(twoVal).toFixed(2)}x  ${verdict(x(twoVal) <= 2.5)}`);
  console.log(`  1 environment generated (validate, render, verify against the CRDs, write) within 2.5x node -e 0: Tempo 3 ${x(oneGen).toFixed(2)}x  ${verdict(x(oneGen) <= 2.5)}; Tempo 2 ${x(twoGen).toFixed(2)}x  ${verdict(x(twoGen) <= 2.5)}`);
};
// BENCH_ONLY=single: the single-environment rows and their targets only (a minute instead of several).
if (process.env.BENCH_ONLY === 'single') {
  printRows();
  console.log('\ntargets:');
  singleTargets();
  process.exit(0);
}

const sizes = [50, 100, 200];
const gen = {};
let big;
for (const n of sizes) {
  const dir = fleet(n);
  gen[n] = measure([CLI, 'generate'], freshRepo(dir));
  row(`generate, ${n} environments (into an empty out/)`, gen[n], baseline);
  if (n === 200) big = dir;
}
spawnSync(process.execPath, [CLI, 'generate'], { cwd: big });
const check = measure([CLI, 'generate', '--check'], big);
row('generate --check, 200 environments, unchanged', check, baseline);

const again = measure([CLI, 'generate'], big);
row('generate, 200 environments, unchanged out/ (writes nothing)', again, baseline);

// For comparison, the way this bench used to measure: delete out/ just before each timed run (see freshRepo).
const afterDelete = (() => {
  const runs = [];
  for (let i = 0; i <= RUNS; i++) {
    rmSync(join(big, 'out'), { recursive: true, force: true });
    const r = once([CLI, 'generate'], big);
    if (i > 0) runs.push(r);
  }
  return { ms: median(runs.map((r) => r.ms)), rssMb: Math.max(...runs.map((r) => r.rssMb)) };
})();
row('generate, 200 environments, right after deleting the previous out/', afterDelete, baseline);

// Filesystem baseline, measured now: a plain loop writing the same files (same folders, same bytes) into an empty
// folder, which is the floor of any "into an empty out/" figure on this disk at this moment.
const files = [];
const collect = (d, rel = '') => {
  for (const e of readdirSync(join(d, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) collect(d, r);
    else files.push([r, readFileSync(join(d, r))]);
  }
};
collect(join(big, 'out'));
const fsRuns = [];
for (let i = 0; i <= RUNS; i++) {
  const target = join(big, `fs-baseline-${i}`); // a new folder each time, like the generate runs
  const start = process.hrtime.bigint();
  const made = new Set();
  for (const [r, bytes] of files) {
    const dir = dirname(join(target, r));
    if (!made.has(dir)) (mkdirSync(dir, { recursive: true }), made.add(dir));
    writeFileSync(join(target, r), bytes);
  }
  if (i > 0) fsRuns.push(Number(process.hrtime.bigint() - start) / 1e6);
}
rows.push({ what: `filesystem floor: writing the same ${files.length} files in a plain loop`, ms: median(fsRuns), ratio: median(fsRuns) / baseline.ms, rssMb: NaN });

// Fleet rows (issue #11): a 1,000-environment fleet, and 10,000 with BENCH_HUGE=1. Fewer runs each (FLEET_RUNS).
const FLEET_RUNS = Number(process.env.BENCH_FLEET_RUNS ?? 3);
const measureN = (args, cwd, n = FLEET_RUNS) => {
  const runs = [];
  for (let i = 0; i < n; i++) runs.push(once(args, typeof cwd === 'function' ? cwd() : cwd));
  return { ms: median(runs.map((r) => r.ms)), rssMb: Math.max(...runs.map((r) => r.rssMb)) };
};
/** Change one environment's sampling (a new value each time) and commit nothing: each run sees one changed file. */
let bump = 0;
const changeOne = (dir) => {
  const file = join(dir, 'environments/env-000.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/samplingPercentage: \d+/, `samplingPercentage: ${(bump++ % 90) + 2}`));
};
const git = (dir, ...args) => spawnSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.com' } });
const fleetRows = (n) => {
  const dir = fleet(n);
  const full = measureN([CLI, 'generate'], freshRepo(dir), 1);
  row(`generate, ${n} environments (into an empty out/)`, full, baseline);
  once([CLI, 'generate'], dir);
  const unchanged = measureN([CLI, 'generate'], dir);
  row(`generate, ${n} environments, unchanged (fingerprints reused)`, unchanged, baseline);
  const check = measureN([CLI, 'generate', '--check'], dir);
  row(`generate --check, ${n} environments, unchanged`, check, baseline);
  const changed = measureN([CLI, 'generate'], () => (changeOne(dir), dir));
  row(`generate, ${n} environments, 1 changed`, changed, baseline);
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'bench');
  const since = measureN([CLI, 'generate', '--changed-since', 'HEAD'], () => (changeOne(dir), dir));
  row(`generate --changed-since HEAD, ${n} environments, 1 changed`, since, baseline);
  return { full, unchanged, check, changed, since };
};
const f1k = fleetRows(1000);
const huge = process.env.BENCH_HUGE === '1' ? fleetRows(10000) : undefined;
if (!huge) rows.push({ what: 'generate, 10000 environments: skipped (BENCH_HUGE=1 runs it)', ms: NaN, ratio: NaN, rssMb: NaN });

printRows();

const per = (a, b) => (gen[b].ms - gen[a].ms) / (b - a);
console.log(`\nmarginal cost per environment: 50->100 ${per(50, 100).toFixed(1)} ms, 100->200 ${per(100, 200).toFixed(1)} ms (linear if these are close)`);
const oneMs = rows[1].ms;
console.log('\ntargets:');
singleTargets();
console.log(`  200 environments within 4 s wall: ${(gen[200].ms / 1000).toFixed(2)} s  ${verdict(gen[200].ms <= 4000)}  (filesystem floor ${(median(fsRuns) / 1000).toFixed(2)} s; unchanged fleet ${(again.ms / 1000).toFixed(2)} s; right after deleting out/ ${(afterDelete.ms / 1000).toFixed(2)} s)`);
console.log(`  200 environments within 300 MB peak RSS: ${gen[200].rssMb.toFixed(0)} MB  ${verdict(gen[200].rssMb <= 300)}`);
console.log(`  --check no slower than generate: ${check.ms.toFixed(0)} ms vs ${gen[200].ms.toFixed(0)} ms  ${verdict(check.ms <= gen[200].ms)}`);
const ratio = per(100, 200) / per(50, 100);
console.log(`  linear from 50 to 200: marginal cost ratio ${ratio.toFixed(2)}  ${verdict(ratio > 0.6 && ratio < 1.5)}`);
console.log(`  1 changed in 1,000 within 3x a 1-environment generate: ${(f1k.changed.ms / oneMs).toFixed(2)}x  ${verdict(f1k.changed.ms <= 3 * oneMs)}; with --changed-since ${(f1k.since.ms / oneMs).toFixed(2)}x  ${verdict(f1k.since.ms <= 3 * oneMs)}`);
console.log(`  1,000 environments within 4 s and 300 MB: ${(f1k.full.ms / 1000).toFixed(2)} s, ${f1k.full.rssMb.toFixed(0)} MB  ${verdict(f1k.full.ms <= 4000 && f1k.full.rssMb <= 300)}`);
console.log(`  1,000 unchanged within 2 s: generate ${(f1k.unchanged.ms / 1000).toFixed(2)} s  ${verdict(f1k.unchanged.ms <= 2000)}; --check ${(f1k.check.ms / 1000).toFixed(2)} s  ${verdict(f1k.check.ms <= 2000)}`);
console.log(huge ? `  10,000 environments within 40 s and 1 GB: ${(huge.full.ms / 1000).toFixed(2)} s, ${huge.full.rssMb.toFixed(0)} MB  ${verdict(huge.full.ms <= 40000 && huge.full.rssMb <= 1024)}` : '  10,000 environments within 40 s and 1 GB: skipped (set BENCH_HUGE=1)');
