import type { Command } from 'commander';
import { explain } from '../../docs/explain.js';
import { environmentSchema } from '../../validate/schema.js';

/** `tracestack explain <path>`: a field's documentation from the schema, like `kubectl explain`. */
export function registerExplain(program: Command) {
  program
    .command('explain')
    .description('Print the documentation of a spec field (type, default, description, examples, sub-fields), like kubectl explain.')
    .argument('[path]', 'field path, e.g. spec.tempo.retention or tempo.storage (empty: the whole file)', '')
    .action((path: string, _opts: unknown, cmd: Command) => {
      const json = cmd.optsWithGlobals().format === 'json';
      const r = explain(environmentSchema, path);
      if (r.ok) process.stdout.write(json ? JSON.stringify(r.json, null, 2) + '\n' : r.text);
      else {
        if (json) process.stdout.write(JSON.stringify({ error: r.message }, null, 2) + '\n');
        process.stderr.write(`error: ${r.message}\n`);
        process.exitCode = 1;
      }
    });
}
