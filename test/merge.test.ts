import { describe, expect, it } from 'vitest';
import { deepMerge } from '../src/load/merge.js';
import { applyMergePatch, mergePatch } from '../src/plan/patch.js';

describe('deepMerge (defaults layer under an environment)', () => {
  it('merges maps key by key and lets the override win', () => {
    expect(deepMerge({ a: { x: 1, y: 2 }, b: 1 }, { a: { y: 3 }, c: 4 })).toEqual({ a: { x: 1, y: 3 }, b: 1, c: 4 });
  });
  it('replaces lists instead of concatenating them', () => {
    expect(deepMerge({ ns: ['a', 'b'] }, { ns: ['c'] })).toEqual({ ns: ['c'] });
  });
  it('replaces a map as a whole at a replace-not-merge path', () => {
    const merged = deepMerge({ argocd: { destination: { server: 's' } } }, { argocd: { destination: { name: 'n' } } }, new Set(['.argocd.destination']));
    expect(merged).toEqual({ argocd: { destination: { name: 'n' } } });
  });
  it('does not alias or mutate its inputs', () => {
    const base = { a: { list: [1] } };
    const out = deepMerge(base, {});
    (out.a.list as number[]).push(2);
    expect(base.a.list).toEqual([1]);
  });
  it('a scalar may replace a map and vice versa', () => {
    expect(deepMerge({ a: { b: 1 } }, { a: 5 })).toEqual({ a: 5 });
    expect(deepMerge({ a: 5 }, { a: { b: 1 } })).toEqual({ a: { b: 1 } });
  });
});

describe('mergePatch (what a Kustomize overlay carries)', () => {
  const base = { spec: { replicas: 1, mode: 'deployment', list: [1, 2], gone: true } };
  const target = { spec: { replicas: 3, mode: 'deployment', list: [1], added: { x: 1 } } };
  it('holds only what differs, with null for removed keys and whole lists', () => {
    expect(mergePatch(base, target)).toEqual({ spec: { replicas: 3, list: [1], added: { x: 1 }, gone: null } });
  });
  it('is undefined when nothing differs', () => {
    expect(mergePatch(base, structuredClone(base))).toBeUndefined();
  });
  it('applying the patch to the base gives the target', () => {
    expect(applyMergePatch(base, mergePatch(base, target))).toEqual(target);
  });
});
