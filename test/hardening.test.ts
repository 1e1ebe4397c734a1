import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate, validateInputs } from '../src/pipeline.js';
import { tplPaths } from '../src/validate/templates.js';
import { passThroughs } from '../src/components/derived.js';
import { REPO, runCli, scratchRepo, treeHash } from './helpers/repo.js';
import { initRepo } from './helpers/git.js';

const defaults = { path: 'environments/_defaults.yaml', text: readFileSync(join(REPO, 'environments/_defaults.yaml'), 'utf8') };
const dev = readFileSync(join(REPO, 'environments/dev.yaml'), 'utf8');

/** dev.yaml with lines appended under spec (indented by 2). */
const devWith = (...lines: string[]) => dev.replace(/\n$/, '') + '\n' + lines.map((l) => `  ${l}`).join('\n') + '\n';
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

interface Case {
  name: string;
  /** Lines under spec: in environments/dev.yaml. */
  spec: string[];
  code: string;
  path: string;
  /** A substring of the line reported. */
  at: string;
  message: RegExp;
}

/** Class 3: `{{` where a chart runs values through tpl, and line breaks in single-line settings. */
const TEMPLATE_CASES: Case[] = [
  { name: 'ingress-nginx controller.config (tpl in controller-configmap.yaml)', spec: ['ingressNginx:', '  enabled: true', '  values:', '    controller:', '      config:', '        log-format-upstream: "{{ .Values.secret }}"'], code: 'template-injection', path: 'spec.ingressNginx.values.controller.config.log-format-upstream', at: 'log-format-upstream', message: /ingress-nginx chart renders controller\.config\.log-format-upstream with Helm's tpl/ },
  { name: 'ingress-nginx service annotations', spec: ['ingressNginx:', '  enabled: true', '  values:', '    controller:', '      service:', '        annotations:', '          x: "{{ lookup \\"v1\\" \\"Secret\\" \\"kube-system\\" \\"\\" }}"'], code: 'template-injection', path: 'spec.ingressNginx.values.controller.service.annotations.x', at: 'x: ', message: /renders controller\.service\.annotations\.x with Helm's tpl/ },
  { name: 'grafana grafana.ini', spec: ['grafana:', '  values:', '    grafana.ini:', '      server:', '        root_url: "https://{{ .Release.Namespace }}.example.com"'], code: 'template-injection', path: 'spec.grafana.values.grafana.ini.server.root_url', at: 'root_url', message: /grafana chart renders grafana\.ini\.server\.root_url/ },
  { name: 'grafana env key', spec: ['grafana:', '  values:', '    env:', '      "{{ .Values.x }}": y'], code: 'template-injection', path: 'spec.grafana.values.env.{{ .Values.x }}', at: '.Values.x', message: /the `\{\{` in this key would run as a template/ },
  { name: 'grafana datasources', spec: ['grafana:', '  values:', '    datasources:', '      extra.yaml:', '        datasources: [{name: x, url: "{{ .Values.u }}"}]'], code: 'template-injection', path: 'spec.grafana.values.datasources.extra.yaml.datasources[0].url', at: 'datasources: [', message: /grafana chart renders datasources/ },
  { name: 'tempo structuredConfig', spec: ['tempo:', '  values:', '    tempo:', '      structuredConfig:', '        server: {http_listen_address: "{{ .Values.ip }}"}'], code: 'template-injection', path: 'spec.tempo.values.tempo.structuredConfig.server.http_listen_address', at: 'http_listen_address', message: /tempo chart renders tempo\.structuredConfig/ },
  { name: 'otel-operator manager.config', spec: ['otelOperator:', '  values:', '    manager:', '      config: "{{ .Capabilities }}"'], code: 'template-injection', path: 'spec.otelOperator.values.manager.config', at: 'config: "{{', message: /otel-operator chart renders manager\.config/ },
  { name: 'kube-prometheus-stack externalLabels', spec: ['prometheus:', '  values:', '    prometheus:', '      prometheusSpec:', '        externalLabels: {cluster: "{{ .Release.Name }}"}'], code: 'template-injection', path: 'spec.prometheus.values.prometheus.prometheusSpec.externalLabels.cluster', at: 'externalLabels', message: /kube-prometheus-stack chart renders prometheus\.prometheusSpec\.externalLabels\.cluster/ },
  { name: 'argo-cd global.domain', spec: ['argocd:', '  targetRevision: main', '  install:', '    values:', '      global: {domain: "{{ .Values.d }}"}'], code: 'template-injection', path: 'spec.argocd.install.values.global.domain', at: 'domain:', message: /argo-cd chart renders global\.domain/ },
  { name: 'ingress-nginx serviceName with {{ (schema pattern)', spec: ['ingressNginx:', '  enabled: true', '  serviceName: "edge-{{ .Release.Name }}"'], code: 'pattern', path: 'spec.ingressNginx.serviceName', at: 'serviceName', message: /One line; no `\{\{`/ },
  { name: 'ingress-nginx serviceName with a newline', spec: ['ingressNginx:', '  enabled: true', '  serviceName: "edge\\nload_module x;"'], code: 'pattern', path: 'spec.ingressNginx.serviceName', at: 'serviceName', message: /does not match/ },
  { name: 'ingress-nginx operationName with a carriage return', spec: ['ingressNginx:', '  enabled: true', '  operationName: "HTTP\\r$uri"'], code: 'pattern', path: 'spec.ingressNginx.operationName', at: 'operationName', message: /does not match/ },
  { name: 'argocd targetRevision with a newline', spec: ['argocd:', '  targetRevision: "main\\nproject: default"'], code: 'pattern', path: 'spec.argocd.targetRevision', at: 'targetRevision', message: /Branch, tag or commit Argo CD syncs from\. One line\./ },
  { name: 'argocd repoURL with a line separator', spec: ['argocd:', '  targetRevision: main', '  repoURL: "https://git.example.com/x.git\\u2028y"'], code: 'pattern', path: 'spec.argocd.repoURL', at: 'repoURL', message: /One line/ },
  { name: 'argocd destination name with a newline', spec: ['argocd:', '  targetRevision: main', '  destination: {name: "in-cluster\\nx"}'], code: 'pattern', path: 'spec.argocd.destination.name', at: 'destination', message: /One line/ },
];

describe('template and option injection (class 3): refused at file:line:col, nothing rendered', () => {
  it.each(TEMPLATE_CASES.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    // a case with its own argocd section replaces dev's; tempo and prometheus sections extend dev's
    const base = c.spec[0] === 'argocd:' ? dev.replace('  argocd:\n    targetRevision: main\n', '') : dev;
    const own = base.includes(`\n  ${c.spec[0]}\n`)
      ? base.replace(`\n  ${c.spec[0]}\n`, `\n  ${c.spec[0]}\n${c.spec.slice(1).map((l) => `  ${l}\n`).join('')}`)
      : base.replace(/\n$/, '') + '\n' + c.spec.map((l) => `  ${l}`).join('\n') + '\n';
    const r = generate({ defaults, environments: [{ path: 'environments/dev.yaml', text: own }] }, { outPath: 'out' });
    expect(r.tree).toBeUndefined();
    const hit = r.diagnostics.find((d) => d.code === c.code && d.path === c.path);
    expect(hit, JSON.stringify(r.diagnostics, null, 1)).toBeDefined();
    expect(hit!.file).toBe('environments/dev.yaml');
    expect(hit!.line).toBe(lineOf(own, c.at));
    expect(`${hit!.message} ${hit!.suggestion ?? ''}`).toMatch(c.message);
  });

  it('the same text outside a tpl path is left alone (charts that do not tpl it get it verbatim)', () => {
    const text = devWith('grafana:', '  values:', '    podAnnotations:', '      note: "{{ not a template here }}"');
    const r = validateInputs({ defaults, environments: [{ path: 'environments/dev.yaml', text }] });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('every chart tracestack renders with pass-through values has its tpl paths listed, with where they come from', () => {
    expect(tplPaths().map((t) => t.chart).sort()).toEqual(['argo-cd', 'cert-manager', 'grafana', 'ingress-nginx', 'istiod', 'kube-prometheus-stack', 'otel-operator', 'tempo']);
    // each component's description says where its chart's tpl paths come from (components/<id>/tpl.ts)
    const source = passThroughs().map((p) => p.tpl?.source ?? '').join('\n');
    for (const [repo, tag] of [['kubernetes/ingress-nginx', 'helm-chart-4.15.1'], ['grafana-community/helm-charts', 'grafana-12.11.1'], ['grafana-community/helm-charts', 'tempo-distributed-2.26.2'], ['argoproj/argo-helm', 'argo-cd-10.1.1']]) expect(source).toContain(`${repo} @ ${tag}`);
    expect(tplPaths().find((t) => t.chart === 'ingress-nginx')!.paths).toContain('controller.config');
    expect(tplPaths().find((t) => t.chart === 'grafana')!.paths).toContain('grafana.ini');
  });

  it('a revision that looks like an option is refused before git sees it (exit 2, nothing written)', () => {
    const dir = scratchRepo();
    initRepo(dir);
    const before = treeHash(join(dir, 'out'));
    const target = join(dir, 'pwned.txt');
    for (const args of [['generate', `--changed-since=--output=${target}`], ['diff', '--changed-since', `--output=${target}`]]) {
      const r = runCli(dir, args);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toContain('not a git revision (a revision never starts with "-"');
      expect(existsSync(target)).toBe(false);
    }
    expect(treeHash(join(dir, 'out'))).toBe(before);
  });
});

/** Class 5, more cases in-process (the fixture harness covers one per kind through the CLI). */
describe('YAML 1.1 ambiguity (class 5): refused with a fix, at file:line:col', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['Y', 'boolean true in YAML 1.1', /Write true for a boolean, or quote it \("Y"\)/],
    ['NO', 'boolean false in YAML 1.1', /Write false for a boolean/],
    ['012', 'number 12 in YAML 1.2 (how tracestack reads it) but number 10 in YAML 1.1', /Write 10 if you mean octal 012/],
    ['0o755', 'number 493 in YAML 1.2 (how tracestack reads it) but the string "0o755" in YAML 1.1', /Write 493 for a number, or quote it/],
    ['1:30:00', 'number 5400 in YAML 1.1', /Write 5400 for a number/],
    ['-1_5', 'number -15 in YAML 1.1', /quote it \("-1_5"\)/],
  ];
  it.each(cases)('%s', (value, message, fix) => {
    const text = devWith('grafana:', '  values:', `    setting: ${value}`);
    const r = validateInputs({ defaults, environments: [{ path: 'environments/dev.yaml', text }] });
    const hit = r.diagnostics.find((d) => d.code === 'yaml11-ambiguous');
    expect(hit, JSON.stringify(r.diagnostics)).toBeDefined();
    expect([hit!.file, hit!.line, hit!.column, hit!.path]).toEqual(['environments/dev.yaml', lineOf(text, 'setting:'), 16, 'spec.grafana.values.setting']);
    expect(hit!.message).toContain(message);
    expect(hit!.suggestion).toMatch(fix);
  });
  it('quoted, the same values are accepted and reach Helm as strings', () => {
    const text = devWith('grafana:', '  values:', '    a: "off"', "    b: '0644'", '    c: "1_000"', '    "<<": x');
    const r = generate({ defaults, environments: [{ path: 'environments/dev.yaml', text }] }, { outPath: 'out' });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.tree!.get('dev/values/grafana.yaml')).toMatch(/a: "off"\n(.*\n)*b: "0644"\n(.*\n)*c: "1_000"/);
  });
  it('__proto__ refused in _defaults.yaml too, and merge keeps such a key if one ever arrives', async () => {
    const { deepMerge, clone } = await import('../src/load/merge.js');
    const over = JSON.parse('{"__proto__": {"x": 1}, "a": 1}');
    expect(Object.keys(deepMerge({}, over))).toEqual(['__proto__', 'a']);
    expect(Object.keys(clone(over))).toEqual(['__proto__', 'a']);
    const d = { ...defaults, text: defaults.text.replace('  grafana:\n', '  grafana:\n    values:\n      __proto__: {admin: true}\n') };
    const r = validateInputs({ defaults: d, environments: [{ path: 'environments/dev.yaml', text: dev }] });
    expect(r.diagnostics.map((x) => `${x.file}:${x.code}:${x.path}`)).toContain('environments/_defaults.yaml:reserved-key:spec.grafana.values.__proto__');
  });
});

describe('name collisions (class 4): no internal error, a diagnostic', () => {
  it('teams x and x-sampling in one environment: a diagnostic, not a throw', () => {
    const teams = readFileSync(join(REPO, 'environments/teams-demo.yaml'), 'utf8').replace('- name: payments', '- name: shop-sampling');
    const r = validateInputs({ defaults, environments: [{ path: 'environments/teams-demo.yaml', text: teams }] });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['team-name-collision']);
  });
  it('two environments with the same explicit project in different Argo CD namespaces do not collide', () => {
    const a = dev.replace('    targetRevision: main\n', '    targetRevision: main\n    project: shared\n');
    const b = a.replace('name: dev', 'name: stage').replace('    project: shared\n', '    project: shared\n    namespace: argocd-stage\n');
    const r = validateInputs({ defaults, environments: [{ path: 'environments/dev.yaml', text: a }, { path: 'environments/stage.yaml', text: b }] });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
  it('the committed examples have no collisions and render unchanged', () => {
    const dir = scratchRepo();
    const before = treeHash(join(dir, 'out'));
    const r = runCli(dir, ['generate']);
    expect(r.code, r.err).toBe(0);
    expect(treeHash(join(dir, 'out'))).toBe(before);
  });
  it('a collision with an environment selected by --env is still found (the fleet shares the namespace)', () => {
    const dir = scratchRepo();
    writeFileSync(join(dir, 'environments/teams-demo-shop.yaml'), dev.replace('name: dev', 'name: teams-demo-shop'));
    const r = runCli(dir, ['generate', '--env', 'dev']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('environments/teams-demo.yaml:31:13: error: spec.teams[0].name: AppProject "tracestack-teams-demo-shop"');
  });
});
