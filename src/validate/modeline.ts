import type { Diagnostic } from '../diagnostics.js';
import type { InputFile } from '../load/environments.js';

/** yaml-language-server reads the schema from this comment (anywhere in the file; by convention the first line). */
export const MODELINE = /^#\s*yaml-language-server:\s*\$schema=\S+/m;

/** The modeline init writes: environment files live in environments/, the schema in schemas/. */
export const modelineFor = (schemaPath = '../schemas/environment.schema.json') => `# yaml-language-server: $schema=${schemaPath}`;

/** Warnings (not errors) for environment files without a schema modeline: editors then neither complete nor check them. */
export function modelineWarnings(files: InputFile[]): Diagnostic[] {
  return files
    .filter((f) => !MODELINE.test(f.text))
    .map((f) => ({
      file: f.path,
      line: 1,
      column: 1,
      path: '',
      code: 'missing-modeline',
      message: 'no yaml-language-server modeline: editors will not complete or check this file',
      suggestion: `Add as the first line: ${modelineFor()}`,
      severity: 'warning' as const,
    }));
}
