import type { Command } from 'commander';
import { modelineWarnings } from '../../validate/modeline.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEMA_COPY } from '../../init/scaffold.js';
import { readInputs } from '../io.js';
import { packageSchemaPath } from './init.js';
import { reportDiagnostics } from '../output.js';

/**
 * `validate` also warns about environment files without a yaml-language-server modeline. Registered as a hook on
 * the existing validate command so the validation code itself stays as it is; warnings never change the exit code.
 */
export function registerModelineCheck(program: Command) {
  const validate = program.commands.find((c) => c.name() === 'validate');
  if (!validate) throw new Error('internal: the validate command is not registered');
  validate.hook('preAction', (cmd) => {
    let inputs;
    try {
      inputs = readInputs(program.opts().dir, cmd.args);
    } catch {
      return; // unreadable input: validate itself reports it
    }
    const files = [...(inputs.defaults ? [inputs.defaults] : []), ...inputs.environments];
    const warnings = modelineWarnings(files);
    // The copy init placed for editors must describe the schema this tracestack validates with.
    const copy = join(program.opts().dir, SCHEMA_COPY);
    if (existsSync(copy) && readFileSync(copy, 'utf8') !== readFileSync(packageSchemaPath(), 'utf8')) {
      warnings.push({ file: SCHEMA_COPY, line: 1, column: 1, path: '', code: 'schema-copy', severity: 'warning', message: 'differs from the schema of this tracestack version; editors may complete fields it rejects', suggestion: 'Run: tracestack init --update-schema' });
    }
    // always as text on stderr (warnings, also with --format json: they never change the result or the exit code)
    reportDiagnostics(warnings, false, inputs);
  });
}
