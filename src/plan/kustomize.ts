import { posix } from 'node:path';
import type { K8sObject, KustomizeUnit } from '../components/types.js';
import { toYaml, yamlFile } from '../render/yaml.js';
import type { FileTree } from './layout.js';
import { mergePatch } from './patch.js';

export const objectFile = (o: K8sObject) => `${o.kind.toLowerCase()}-${o.metadata.name}.yaml`;
const groupVersion = (apiVersion: string) => {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return { group, version };
};
export const kustomization = (extra: Record<string, unknown>) => ({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', ...extra });

/** Overlay(s) for one Kustomize unit: namespace + only what differs from the base, as merge patches. */
export function renderOverlay(tree: FileTree, dir: string, baseDir: string, base: KustomizeUnit, unit: KustomizeUnit, source: string) {
  const patches: Array<Record<string, unknown>> = [];
  unit.objects.forEach((obj, i) => {
    const from = base.objects[i];
    if (!from || from.kind !== obj.kind || from.apiVersion !== obj.apiVersion) throw new Error(`internal: base and overlay of ${unit.id} disagree`);
    const diff = mergePatch(from, obj) as Record<string, unknown> | undefined;
    if (!diff) return;
    const renamed = from.metadata.name !== obj.metadata.name;
    const { metadata: _m, ...rest } = diff;
    const body = { apiVersion: obj.apiVersion, kind: obj.kind, metadata: { ...((_m as object) ?? {}), name: obj.metadata.name }, ...rest };
    patches.push({
      target: { ...groupVersion(obj.apiVersion), kind: obj.kind, name: from.metadata.name },
      ...(renamed ? { options: { allowNameChange: true } } : {}),
      patch: toYaml(body),
    });
  });
  const overlay = (ns: string, depth: number) =>
    kustomization({
      namespace: ns,
      resources: [posix.join(...Array(depth).fill('..'), baseDir)],
      ...(patches.length ? { patches } : {}),
    });
  const depth = dir.split('/').length;
  if (unit.targetNamespaces.length === 1) {
    tree.set(`${dir}/kustomization.yaml`, yamlFile(source, overlay(unit.targetNamespaces[0], depth)));
  } else {
    for (const ns of unit.targetNamespaces) tree.set(`${dir}/${ns}/kustomization.yaml`, yamlFile(source, overlay(ns, depth + 1)));
    tree.set(`${dir}/kustomization.yaml`, yamlFile(source, kustomization({ resources: unit.targetNamespaces.map((ns) => `${ns}`) })));
  }
}
