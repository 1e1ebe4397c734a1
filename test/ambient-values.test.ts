import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readInputs } from '../src/cli/io.js';
import { generate, validateInputs } from '../src/pipeline.js';
import { ChartValues } from '../src/resolve/checks/passthrough.js';
import { passThroughs } from '../src/components/derived.js';
import { REPO, runCli, scratchRepo, editFile } from './helpers/repo.js';
import { upstreamDir } from './helpers/upstream.js';
import { parse } from 'yaml';

/**
 * spec.istio.cniValues and spec.istio.ztunnelValues: pass-through values for ambient mode's node agents, checked like
 * istiodValues (chart-default keys of cni and ztunnel 1.30.3 from ../shared/upstream, overrides of rendered values,
 * credentials) because they are described as passThrough entries of the istio component.
 */
function ambientWith(block: string) {
  const inputs = readInputs(REPO);
  const env = inputs.environments.find((e) => e.path.endsWith('/ambient-demo.yaml'))!;
  env.text = env.text.replace('\n  istio:\n', `\n  istio:\n${block}`);
  const text = env.text;
  return { inputs, line: (needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1 };
}
const diagnostics = (block: string) => {
  const { inputs, line } = ambientWith(block);
  const ds = validateInputs(inputs, { chartValues: ChartValues.at(upstreamDir()) }).diagnostics.filter((d) => d.file === 'environments/ambient-demo.yaml');
  return { ds, line };
};
const summary = (ds: Array<{ file: string; line: number; column: number; severity: string; code: string; path: string }>) => ds.map((d) => `${d.file}:${d.line}:${d.column} ${d.severity} ${d.code} ${d.path}`);

describe('spec.istio.cniValues and spec.istio.ztunnelValues', () => {
  it('are described as pass-through values of the cni and ztunnel charts (so the credential scan, redaction and tpl check see them)', () => {
    const at = passThroughs().map((p) => `${p.at.join('.')} -> ${p.chart}`);
    expect(at).toEqual(expect.arrayContaining(['istio.cniValues -> cni', 'istio.ztunnelValues -> ztunnel']));
  });

  it('are merged over the rendered values of the istio-cni and ztunnel releases', () => {
    const { inputs } = ambientWith('    cniValues:\n      cniBinDir: /home/kubernetes/bin\n    ztunnelValues:\n      logLevel: debug\n      resources:\n        requests:\n          memory: 512Mi\n');
    const tree = generate(inputs, { outPath: 'out' }).tree!;
    expect(parse(tree.get('ambient-demo/values/istio-cni.yaml')!)).toEqual({ ambient: { enabled: true }, cniBinDir: '/home/kubernetes/bin' });
    expect(parse(tree.get('ambient-demo/values/ztunnel.yaml')!)).toEqual({ istioNamespace: 'istio-system', logLevel: 'debug', resources: { requests: { memory: '512Mi' } } });
  });

  it('a key the chart does not have is a warning with did-you-mean, at file:line:col (defaults from ../shared/upstream)', () => {
    const { ds, line } = diagnostics('    cniValues:\n      cniBinDr: /home/kubernetes/bin\n    ztunnelValues:\n      logLevl: debug\n      resources:\n        requests:\n          memory: 512Mi\n');
    expect(summary(ds)).toEqual([
      `environments/ambient-demo.yaml:${line('cniBinDr')}:7 warning unknown-chart-value spec.istio.cniValues.cniBinDr`,
      `environments/ambient-demo.yaml:${line('logLevl')}:7 warning unknown-chart-value spec.istio.ztunnelValues.logLevl`,
    ]);
    expect(ds.map((d) => d.suggestion)).toEqual(['did you mean "cniBinDir"?', 'did you mean "logLevel"?']);
    expect(ds[0].message).toContain('cni chart');
    expect(ds[1].message).toContain('ztunnel chart');
  });

  it('overriding a value tracestack renders from the spec is an error', () => {
    const { ds } = diagnostics('    ztunnelValues:\n      istioNamespace: other\n');
    expect(ds.map((d) => `${d.severity} ${d.code} ${d.path}`)).toEqual(['error overrides-spec spec.istio.ztunnelValues.istioNamespace']);
    expect(ds[0].message).toContain('spec.istio.namespace');
  });

  it('a credential pasted into them is refused by generate, nothing written', () => {
    const dir = scratchRepo();
    const token = ['ghp_', '0123456789abcdefghij0123456789abcdef'].join('');
    editFile(join(dir, 'environments/ambient-demo.yaml'), '\n  istio:\n', `\n  istio:\n    ztunnelValues:\n      env:\n        TOKEN: ${token}\n`);
    const r = runCli(dir, ['generate']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/ambient-demo\.yaml:\d+:\d+: error: spec\.istio\.ztunnelValues\.env\.TOKEN: .*secret|ambient-demo\.yaml:\d+:\d+: error: .*ztunnelValues/);
    expect(r.err + r.out).not.toContain(token);
  });
});
