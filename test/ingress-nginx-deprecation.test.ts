import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { editFile, runCli, scratchRepo } from './helpers/repo.js';

/**
 * ingress-nginx (retired upstream in 2026-03) still renders, with a warning at the field that chose it: on validate
 * and generate, in text and in --format json, and the exit code stays 0.
 */
const lineCol = (file: string, text: string) => {
  const lines = readFileSync(file, 'utf8').split('\n');
  const line = lines.findIndex((l) => l.includes(text));
  return `${line + 1}:${lines[line].indexOf(text.trim()) + 1 + text.trim().indexOf(':') + 2}`;
};
const warningsOf = (out: string) => (JSON.parse(out).diagnostics as Array<{ code: string; file: string; line: number; column: number; severity: string; path: string }>).filter((d) => d.code === 'deprecated-ingress-nginx');

describe('ingress-nginx deprecation warning', () => {
  it('legacy spec.ingressNginx.enabled (prod): validate and generate warn at the field, exit 0, JSON included', () => {
    const dir = scratchRepo();
    const prod = join(dir, 'environments', 'prod.yaml');
    const at = `environments/prod.yaml:${lineCol(prod, '  enabled: true')}`;
    for (const cmd of ['validate', 'generate']) {
      const r = runCli(dir, [cmd]);
      expect(r.code, cmd + r.err).toBe(0);
      const line = r.err.split('\n').find((l) => l.includes('ingress-nginx was retired'));
      expect(line, cmd).toBe(
        `${at}: warning: spec.ingressNginx.enabled: ingress-nginx was retired in 2026-03 (no further releases or security fixes); move to edge.type: istio-gateway, see README "Runbook: ingress-nginx -> istio-gateway, sidecar -> ambient"`,
      );
      // once, although only prod uses it
      expect(r.err.split('ingress-nginx was retired').length - 1, cmd).toBe(1);
      const json = runCli(dir, [cmd, '--format', 'json']);
      expect(json.code, cmd).toBe(0);
      expect(warningsOf(json.out), cmd).toEqual([expect.objectContaining({ file: 'environments/prod.yaml', severity: 'warning', path: 'spec.ingressNginx.enabled', line: Number(at.split(':')[1]) })]);
    }
  });

  it('spec.edge.type: ingress-nginx warns at edge.type; istio-gateway and none do not warn', () => {
    const dir = scratchRepo(false);
    const staging = join(dir, 'environments', 'staging.yaml');
    editFile(staging, /\nspec:\n/, '\nspec:\n  edge:\n    type: ingress-nginx\n');
    const json = runCli(dir, ['validate', '--format', 'json']);
    expect(json.code, json.err).toBe(0);
    const ws = warningsOf(json.out);
    expect(ws.map((w) => `${w.file}:${w.line}:${w.column} ${w.path}`).sort()).toEqual([`environments/prod.yaml:${lineCol(join(dir, 'environments', 'prod.yaml'), '  enabled: true')} spec.ingressNginx.enabled`, `environments/staging.yaml:${lineCol(staging, '    type: ingress-nginx')} spec.edge.type`].sort());
    editFile(staging, '    type: ingress-nginx\n', '    type: none\n');
    expect(warningsOf(runCli(dir, ['validate', '--format', 'json']).out).map((w) => w.file)).toEqual(['environments/prod.yaml']);
  });
});
