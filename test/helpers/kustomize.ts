import { execFileSync } from 'node:child_process';
import { yamlDocs } from './repo.js';

/** `kubectl kustomize DIR` (kustomize v5 built into kubectl): the objects Argo CD would apply. */
export function kustomizeBuild(dir: string): any[] {
  const text = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return yamlDocs(text);
}
