import { posix } from 'node:path';
import { loadAll } from 'js-yaml';
import type { Diagnostic } from '../diagnostics.js';
import { isPlainObject } from '../load/merge.js';
import type { FileTree } from '../plan/plan.js';
import { CappedMemo } from '../startup.js';
import { isHelmfile, layout } from '../plan/layout.js';
import { remoteSources } from '../components/derived.js';

/**
 * Check the rendered tree before anything is written: every file parses back, and every path an Application,
 * a helmfile or a kustomization names exists in the tree. A failure here is a tracestack bug, reported as such.
 */
export function verifyTree(tree: FileTree, envs: string[], outPath: string): Diagnostic[] {
  return verifyTreeDocs(tree, envs, outPath).problems;
}

/**
 * Files of a fleet often differ only in their header comment: each distinct body is parsed once per run (same
 * text, same result), also across the parts of a tree that are checked one environment at a time. The parsed
 * documents are shared: callers must not change them.
 */
const parsedBodies = new CappedMemo<string, { error?: string; docs: unknown[] }>(50_000);

/**
 * verifyTree, also returning every file's parsed documents (so later checks do not parse again). `has` answers
 * whether a referenced file exists; by default, whether it is in `tree` (checking one environment's part of the
 * tree, it also knows the files of the other parts).
 */
export function verifyTreeDocs(tree: FileTree, envs: string[], outPath: string, has: (file: string) => boolean = (f) => tree.has(f)): { problems: Diagnostic[]; docs: Map<string, unknown[]> } {
  const problems: Diagnostic[] = [];
  const fail = (file: string, message: string) =>
    problems.push({ file: posix.join(outPath, file), line: 1, column: 1, path: '', code: 'internal-reference', message: `internal error (please report): ${message}`, severity: 'error' });
  const docs = new Map<string, unknown[]>();
  for (const [file, text] of tree) {
    if (!file.endsWith('.yaml')) continue;
    const body = text.replace(/^(#[^\n]*\n)+/, '');
    // Parsed back with js-yaml, a second, independent YAML implementation (and ~8x faster than the writer's own
    // parser): what one library wrote, another must read the same way.
    const r = parsedBodies.get(body, () => {
      try {
        return { docs: loadAll(body) };
      } catch (e) {
        return { error: String((e as Error).message).split('\n')[0], docs: [] };
      }
    });
    if (r.error) fail(file, `does not parse back: ${r.error}`);
    docs.set(file, r.docs);
  }
  const inRepo = (p: string) => (p.startsWith(outPath + '/') ? p.slice(outPath.length + 1) : undefined);

  for (const [file, list] of docs) {
    for (const doc of list) {
      if (!isPlainObject(doc)) continue;
      if (doc.kind === 'Application') {
        const spec = doc.spec as Record<string, any>;
        const sources: Array<Record<string, any>> = spec.sources ?? [spec.source];
        for (const s of sources) {
          // an upstream repository a component applies as published: exactly its path at its release tag
          const remote = remoteSources().get(String(s.repoURL));
          if (remote) {
            if (s.path !== remote.path || s.targetRevision !== remote.targetRevision) fail(file, `Application source ${s.repoURL} is not ${remote.path} at ${remote.targetRevision}`);
            continue;
          }
          if (s.path) {
            const p = inRepo(s.path);
            if (!p || !has(`${p}/kustomization.yaml`)) fail(file, `Application path ${s.path} has no kustomization.yaml in the output`);
          }
          for (const vf of s.helm?.valueFiles ?? []) {
            const p = inRepo(String(vf).replace(/^\$values\//, ''));
            if (!p || !has(p)) fail(file, `Application value file ${vf} is not in the output`);
          }
        }
        if (sources.some((s) => s.helm?.valueFiles?.some((v: string) => v.startsWith('$values/'))) && !sources.some((s) => s.ref === 'values')) {
          fail(file, 'Application uses $values without a source with ref: values');
        }
      }
      if (doc.kind === 'Kustomization') {
        const dir = posix.dirname(file);
        for (const r of (doc.resources as string[]) ?? []) {
          const target = posix.normalize(posix.join(dir, r));
          if (!has(target) && !has(`${target}/kustomization.yaml`)) fail(file, `kustomization resource ${r} does not exist`);
        }
      }
      if (isHelmfile(file)) {
        const dir = posix.dirname(file);
        const releases = (doc.releases as Array<Record<string, any>>) ?? [];
        const ids = new Set(releases.map((r) => `${r.namespace}/${r.name}`));
        for (const r of releases) {
          for (const v of r.values ?? []) if (!has(posix.join(dir, v))) fail(file, `release ${r.name}: values file ${v} is missing`);
          for (const n of r.needs ?? []) if (!ids.has(n)) fail(file, `release ${r.name}: needs ${n}, which is not a release`);
          if (String(r.chart).startsWith('./') && !has(posix.join(dir, r.chart, 'kustomization.yaml'))) fail(file, `release ${r.name}: chart folder ${r.chart} is missing`);
          const chart = String(r.chart);
          if (chart.startsWith('git::')) {
            // a go-getter URL: pinned by its ?ref= tag, to a source a component describes
            const [url, ref] = chart.slice('git::'.length).split('?ref=');
            const remote = remoteSources().get(url.split('.git@')[0] + '.git');
            if (!remote || url !== `${remote.repoURL}@${remote.path}` || ref !== remote.targetRevision) fail(file, `release ${r.name}: ${chart} is not a pinned upstream source`);
          } else if (!chart.startsWith('./') && !r.version) fail(file, `release ${r.name} is not pinned`);
        }
      }
    }
  }
  for (const env of envs) if (!has(layout.helmfile(env))) fail(layout.helmfile(env), 'missing helmfile');
  return { problems, docs };
}
