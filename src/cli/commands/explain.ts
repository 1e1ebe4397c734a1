import type { Command } from 'commander';
import { explain } from '../../docs/explain.js';
import { environmentSchema } from '../../validate/schema.js';
import { UsageError } from '../errors.js';
import { printResult } from '../output.js';

/** `tracestack explain <path>`: a field's documentation from the schema, like `kubectl explain`. */
export function registerExplain(program: Command) {
  program
    .command('explain')
    .description('Print the documentation of a spec field (type, default, description, examples, sub-fields), like kubectl explain.')
    .argument('[path]', 'field path, e.g. spec.tempo.retention or tempo.storage (empty: the whole file)', '')
    .action((path: string, _opts: unknown, cmd: Command) => {
      const r = explain(environmentSchema, path);
      // a path that names no field is a bad argument: a usage error, with the closest field in the message
      if (!r.ok) throw new UsageError(r.message);
      printResult(cmd, r.json as unknown as Record<string, unknown>, r.text);
    });
}
