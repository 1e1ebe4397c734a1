import { posix } from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import type { FileTree } from '../plan/layout.js';
import { finding, scanText } from '../validate/secrets/scan.js';

export { credentialKind, scanInputFile, scanLine, scanText } from '../validate/secrets/scan.js';
export { isCredentialKey, isEnvCredentialName, isPlaceholder, looksLikeSecret, mask, type SecretHit } from '../validate/secrets/rules.js';

/**
 * Refuse a rendered tree that looks like it holds a credential. tracestack never renders credentials itself;
 * this catches ones pasted into pass-through `values` (or anything the environment checks missed).
 */
export function scanForSecrets(tree: FileTree, outPath: string): Diagnostic[] {
  const found: Diagnostic[] = [];
  for (const [file, text] of tree) for (const { line, hit } of scanText(text, false)) found.push(finding(posix.join(outPath, file), line, hit, 'write'));
  return found;
}
