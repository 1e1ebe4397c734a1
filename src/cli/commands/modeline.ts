import type { Command } from 'commander';
import { formatDiagnostic } from '../../diagnostics.js';
import { modelineWarnings } from '../../validate/modeline.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEMA_COPY } from '../../init/scaffold.js';
import { readInputs } from '../io.js';
import { packageSchemaPath } from './init.js';

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
    for (const d of modelineWarnings(files)) process.stderr.write(formatDiagnostic(d) + '\n');
    // The copy init placed for editors must describe the schema this tracestack validates with.
    const copy = join(program.opts().dir, SCHEMA_COPY);
    if (existsSync(copy) && readFileSync(copy, 'utf8') !== readFileSync(packageSchemaPath(), 'utf8')) {
      process.stderr.write(`${SCHEMA_COPY}:1:1: warning: differs from the schema of this tracestack version; editors may complete fields it rejects\n    Run: tracestack init --update-schema\n`);
    }
  });
}
