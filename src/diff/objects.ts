import { parseAllDocuments } from 'yaml';
import { isHelmfile, isValuesFile, ownerOf } from '../plan/layout.js';

export { ownerOf };

/**
 * The objects one file stands for, by identity, with their content for comparison. A values file is one Helm
 * release; a helmfile, its releases; a Kustomize overlay, the objects it patches (plus the overlay itself);
 * anything else, its Kubernetes objects.
 */
export function objectsOf(file: string, text: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (text === undefined) return out;
  const owner = ownerOf(file);
  if (!owner) return out;
  if (isValuesFile(file)) {
    out.set(`HelmRelease/${owner.component} (values)`, text);
    return out;
  }
  const docs = parseAllDocuments(text).map((d) => d.toJS() as any).filter((d) => d && typeof d === 'object');
  for (const d of docs) {
    if (isHelmfile(file) && Array.isArray(d.releases)) {
      for (const r of d.releases) out.set(`HelmfileRelease/${r.name}`, JSON.stringify(r));
      const { releases: _r, ...rest } = d;
      out.set(`Helmfile/${owner.env}`, JSON.stringify(rest));
    } else if (d.kind === 'Kustomization') {
      const { patches, ...rest } = d;
      for (const p of (patches as any[]) ?? []) out.set(`${p.target?.kind}/${p.target?.name} (patch)`, JSON.stringify(p));
      out.set(`Kustomization/${file.replace(/\/?kustomization\.yaml$/, '') || '.'}`, JSON.stringify(rest));
    } else {
      out.set(`${d.kind}/${d.metadata?.namespace ? `${d.metadata.namespace}/` : ''}${d.metadata?.name}`, JSON.stringify(d));
    }
  }
  return out;
}

export interface ObjectSummary {
  env: string;
  component: string;
  added: string[];
  changed: string[];
  removed: string[];
}

/** Per environment and component: which objects a change adds, changes and removes. */
export function summarizeObjects(files: Array<{ file: string; before?: string; after?: string }>): ObjectSummary[] {
  const groups = new Map<string, ObjectSummary>();
  for (const f of files) {
    const owner = ownerOf(f.file);
    if (!owner) continue;
    const key = `${owner.env}\0${owner.component}`;
    const g = groups.get(key) ?? { ...owner, added: [], changed: [], removed: [] };
    groups.set(key, g);
    const before = objectsOf(f.file, f.before);
    const after = objectsOf(f.file, f.after);
    for (const [id, content] of after) {
      if (!before.has(id)) g.added.push(id);
      else if (before.get(id) !== content) g.changed.push(id);
    }
    for (const id of before.keys()) if (!after.has(id)) g.removed.push(id);
  }
  return [...groups.values()]
    .filter((g) => g.added.length + g.changed.length + g.removed.length > 0)
    .map((g) => ({ ...g, added: g.added.sort(), changed: g.changed.sort(), removed: g.removed.sort() }))
    .sort((a, b) => a.env.localeCompare(b.env) || a.component.localeCompare(b.component));
}
