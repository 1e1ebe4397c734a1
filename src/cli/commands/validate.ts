import type { Command } from 'commander';
import { validateInputs } from '../../pipeline.js';
import { ChartValues } from '../../resolve/checks/passthrough.js';
import { locateSchemas } from '../../verify/upstream.js';
import { EXIT, throwCommandLineProblems } from '../errors.js';
import { readInputs } from '../io.js';
import { failed, globals, reportDiagnostics, wantsJson } from '../output.js';

/** `tracestack validate [files...]`: the schema and the cross-checks; exit 1 on any error. */
export function registerValidate(program: Command) {
  program
    .command('validate')
    .description('Check environment files against the schema and the cross-checks; exit 1 on any error.')
    .argument('[files...]', 'environment files (default: environments/*.yaml)')
    .action((files: string[], _opts: unknown, cmd: Command) => {
      const g = globals(cmd);
      const json = wantsJson(cmd);
      const inputs = readInputs(g.dir, files);
      const chartValues = ChartValues.at(locateSchemas(g.dir, g.schemas).dir);
      const r = validateInputs(inputs, { allowUnknownChartVersions: g.allowUnknownChartVersions, chartValues });
      throwCommandLineProblems(r.diagnostics);
      // JSON: always the one document (also when there is nothing to report)
      reportDiagnostics(r.diagnostics, json, inputs);
      if (failed(r.diagnostics)) process.exitCode = EXIT.invalid;
      else if (!json) process.stdout.write(`ok: ${r.environments.length} environment${r.environments.length === 1 ? '' : 's'} valid (${r.environments.map((e) => e.metadata.name).join(', ')})\n`);
    });
}
