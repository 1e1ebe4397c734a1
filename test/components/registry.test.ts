import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { components, registerComponent } from '../../src/components/index.js';
import { charts, passThroughs, platformNamespaces, providerOf, teamForbiddenKinds } from '../../src/components/derived.js';
import { defineComponent, type Component } from '../../src/components/types.js';
import { isSensitiveSpecPath } from '../../src/diff/redact.js';
import { behaviourInputs, generate, type Inputs } from '../../src/pipeline.js';
import { ComponentError } from '../../src/resolve/units.js';
import { readInputs } from '../../src/cli/io.js';
import { REPO } from '../helpers/repo.js';

/**
 * Adding a component is adding a folder and one registry line: a throw-away component, registered here and nowhere
 * else, shows up in every derived place (helmfile, Argo CD, the credential scan, redaction, the team AppProject's
 * blocklist, platform namespaces, chart versions, the environment schema). A misspelt or later-wave dependency
 * fails with a message that names it.
 */
const PROBE_CHART = { key: 'probe', repo: 'probe-charts', repoURL: 'https://charts.example.org/probe', chart: 'probe', known: ['1.2.3'] };

function probe(needs: (env: any) => string[] = (env) => (env.spec.tempo.enabled ? ['tempo'] : []), wave = 5): Component {
  return defineComponent({
    id: 'probe',
    specKey: 'probe',
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean', default: false },
        namespace: { type: 'string', default: 'probe' },
        values: { type: 'object', default: {} },
      },
    },
    charts: [PROBE_CHART],
    waves: { probes: wave },
    provides: ['probe'],
    platformNamespace: (env) => ((env.spec as any).probe.enabled ? { path: 'spec.probe.namespace', namespace: (env.spec as any).probe.namespace } : undefined),
    teamForbiddenKinds: [{ group: 'probe.example.org', kind: 'Probe' }],
    passThrough: [{ at: ['probe', 'values'], chart: 'probe' }],
    units(env) {
      const p = (env.spec as any).probe;
      if (!p.enabled) return [];
      return [{ kind: 'helm', id: 'probe', release: 'probe', namespace: p.namespace, chart: { ...PROBE_CHART, version: PROBE_CHART.known[0] }, values: { ...p.values, target: 'tempo' }, passThrough: 'spec.probe.values', wave, needs: needs(env), argocd: true }];
    },
  });
}

let unregister: (() => void) | undefined;
afterEach(() => {
  unregister?.();
  unregister = undefined;
});

/** teams-demo with the probe enabled (and whatever `extra` adds to its spec), generated in memory. */
function withProbe(extra = '  probe:\n    enabled: true\n'): ReturnType<typeof generate> {
  const inputs: Inputs = readInputs(REPO);
  const demo = inputs.environments.find((f) => f.path.endsWith('teams-demo.yaml'))!;
  const text = demo.text.replace(/^spec:\n/m, `spec:\n${extra}`);
  return generate({ ...inputs, environments: [{ ...demo, text }] }, { outPath: 'out' });
}

describe('one description per component', () => {
  it('a component registered in one line flows into helmfile, Argo CD, the team blocklist and the derived tables', () => {
    unregister = registerComponent(probe());
    const r = withProbe();
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const tree = r.tree!;
    const helmfile = parse(tree.get('teams-demo/helmfile.yaml')!);
    const release = helmfile.releases.find((x: any) => x.name === 'probe');
    expect(release).toMatchObject({ namespace: 'probe', chart: 'probe-charts/probe', version: '1.2.3', needs: ['tempo/tempo'], values: ['values/probe.yaml'] });
    expect(helmfile.repositories).toContainEqual({ name: 'probe-charts', url: 'https://charts.example.org/probe' });
    expect(parse(tree.get('teams-demo/values/probe.yaml')!)).toEqual({ target: 'tempo' });
    const app = parse(tree.get('teams-demo/argocd/apps/probe.yaml')!);
    expect(app.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('5');
    expect(app.spec.sources[0]).toMatchObject({ repoURL: PROBE_CHART.repoURL, chart: 'probe', targetRevision: '1.2.3' });
    expect(parse(tree.get('teams-demo/argocd/apps/kustomization.yaml')!).resources).toContain('probe.yaml');
    const project = parse(tree.get('teams-demo/argocd/apps/appproject-shop.yaml')!);
    expect(project.spec.namespaceResourceBlacklist).toContainEqual({ group: 'probe.example.org', kind: 'Probe' });
    expect(teamForbiddenKinds()).toContainEqual({ group: 'probe.example.org', kind: 'Probe' });
    expect(charts().get('probe')?.component).toBe('probe');
    expect(providerOf('probe')?.id).toBe('probe');
  });

  it('the credential scan, redaction, chart versions and platform namespaces cover the registered component', () => {
    unregister = registerComponent(probe());
    expect(passThroughs().map((p) => p.at.join('.'))).toContain('probe.values');
    expect(isSensitiveSpecPath('spec.probe.values.adminPassword')).toBe(true);
    const leaked = withProbe('  probe:\n    enabled: true\n    values:\n      auth:\n        password: Zk3vQ9xT2mLp8wRb\n');
    const secret = leaked.diagnostics.find((d) => d.code === 'secret' && d.path.startsWith('spec.probe.values'));
    expect(secret, JSON.stringify(leaked.diagnostics)).toMatchObject({ file: expect.stringContaining('teams-demo.yaml'), severity: 'error' });
    expect(leaked.tree).toBeUndefined();
    const pinned = withProbe('  probe:\n    enabled: true\n  chartVersions:\n    probe: 9.9.9\n');
    expect(pinned.diagnostics.find((d) => d.code === 'chart-version')?.message).toMatch(/probe-charts\/probe 9\.9\.9/);
    const prod = behaviourInputs(readInputs(REPO)).inputs.find((i) => i.env.metadata.name === 'prod')!.env;
    const env = { ...prod, spec: { ...prod.spec, probe: { enabled: true, namespace: 'probe' } } } as any;
    expect(platformNamespaces(env)).toContainEqual({ path: 'spec.probe.namespace', namespace: 'probe' });
  });

  it('without the registry line the component is nowhere, and its spec section is refused', () => {
    expect(components().some((c) => c.id === 'probe')).toBe(false);
    const r = withProbe();
    expect(r.diagnostics.some((d) => d.severity === 'error' && /probe/.test(d.message + d.path))).toBe(true);
  });

  it('a misspelt dependency fails with a message naming it', () => {
    unregister = registerComponent(probe(() => ['colector']));
    expect(() => withProbe()).toThrow(ComponentError);
    expect(() => withProbe()).toThrow(/unit "probe" needs "colector", which no registered component provides/);
  });

  it('a dependency on a later wave fails with a message naming both waves', () => {
    unregister = registerComponent(probe(() => ['grafana'], 5));
    expect(() => withProbe()).toThrow(/unit "probe" \(wave 5\) needs "grafana", which syncs later \(wave 15\)/);
  });

  it('a unit id the component does not provide, or a wave it does not declare, is refused', () => {
    const bad = probe();
    unregister = registerComponent({ ...bad, provides: ['probe-other'] });
    expect(() => withProbe()).toThrow(/renders unit "probe", which is not in its provides/);
    unregister();
    unregister = registerComponent({ ...bad, waves: { probes: 6 } });
    expect(() => withProbe()).toThrow(/wave 5, which is not one of its declared waves/);
  });
});

describe('registry invariants (every example)', () => {
  const examples = () => {
    const inputs = readInputs(REPO);
    return inputs.environments.map((f) => f.path);
  };
  it('every unit of every example is provided by its component, at a declared wave, with needs that sync first', () => {
    const r = generate(readInputs(REPO), { outPath: 'out' });
    expect(r.rendered.length).toBe(examples().length);
    // unitsFor throws on any violation; generate above ran it for every example
  });
  it('chart keys are unique and every helm repository has one URL', () => {
    const all = components().flatMap((c) => c.charts ?? []);
    expect(new Set(all.map((c) => c.key)).size).toBe(all.length);
    expect(() => charts()).not.toThrow();
  });
  it('every pass-through path a unit names is described by its component', () => {
    const described = new Set(passThroughs().map((p) => `spec.${p.at.join('.')}`));
    const units = behaviourInputs(readInputs(REPO)).inputs.flatMap((i) => i.units);
    const named = units.flatMap((u) => (u.kind === 'helm' && u.passThrough ? [u.passThrough] : []));
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((p) => !described.has(p))).toEqual([]);
  });
});
