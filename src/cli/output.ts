import type { Command } from 'commander';
import type { Diagnostic } from '../diagnostics.js';
import type { Inputs } from '../pipeline.js';
import { useColour } from './colour.js';
import { commandLineDiagnostic, EXIT } from './errors.js';
import { jsonDocument, renderText } from './report.js';

/** The program-wide options, as every command sees them (also when given after the command's name). */
export interface Globals {
  dir: string;
  /** text or json for every command; graph also takes svg and mermaid. */
  format: string;
  schemas?: string;
  allowUnknownChartVersions?: boolean;
}

export const globals = (cmd: Command) => cmd.optsWithGlobals() as Globals;
export const wantsJson = (cmd: Command) => globals(cmd).format === 'json';

export const failed = (ds: Diagnostic[]) => ds.some((d) => d.severity === 'error');

/**
 * Print diagnostics: with JSON, the one document on stdout (plus `extra`, what the command did); else text on
 * stderr, with the code frame on a terminal and colour by the one colour rule (colour.ts).
 */
export function reportDiagnostics(diagnostics: Diagnostic[], json: boolean, inputs?: Inputs, extra?: Record<string, unknown>): void {
  if (json) {
    process.stdout.write(jsonDocument(diagnostics, extra));
    return;
  }
  if (!diagnostics.length) return;
  const sources = new Map([inputs?.defaults, ...(inputs?.environments ?? [])].filter((f) => f !== undefined).map((f) => [f!.path, f!.text]));
  process.stderr.write(renderText(diagnostics, { frame: Boolean(process.stderr.isTTY), colour: useColour(process.stderr), sources }));
}

/**
 * A command's result: with JSON, `{ ok, diagnostics: [], ...result }` on stdout; else the text (if any) on stdout.
 */
export function printResult(cmd: Command, result: Record<string, unknown>, text?: string): void {
  if (wantsJson(cmd)) process.stdout.write(jsonDocument([], result));
  else if (text) process.stdout.write(text);
}

/**
 * A command that could not do its job (not a usage error): `error: <message>` on stderr, with JSON also the
 * document with the message as a diagnostic; exit 1.
 */
export function failCommand(cmd: Command, message: string, code: string, extra?: Record<string, unknown>): void {
  process.stderr.write(`error: ${message}\n`);
  if (wantsJson(cmd)) process.stdout.write(jsonDocument([commandLineDiagnostic(message, code)], extra));
  process.exitCode = EXIT.invalid;
}
