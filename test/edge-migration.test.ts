import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readInputs } from '../src/cli/io.js';
import { validateInputs } from '../src/pipeline.js';
import { migrationNotes } from '../src/diff/migrations/index.js';
import { edgeMigrations } from '../src/diff/migrations/edge.js';
import type { Environment } from '../src/model.js';
import { editFile, REPO, runCli } from './helpers/repo.js';
import { gitIn, gitScratchRepo } from './helpers/git.js';
import { gfmProblems } from './helpers/gfm.js';

/**
 * Moving an environment: ingress-nginx -> istio-gateway and sidecar -> ambient. The PR summary (diff --summary
 * markdown, pr) lists what the regenerated output changes and what the user must do by hand; on temp copies of
 * prod (prod.yaml itself is not changed).
 */
const envs = () => validateInputs(readInputs(REPO)).environments;
const env = (name: string) => structuredClone(envs().find((e) => e.metadata.name === name)!);
const toGatewayAmbient = (e: Environment) => {
  e.spec.ingressNginx.enabled = false;
  e.spec.edge = { ...e.spec.edge, type: 'istio-gateway' };
  e.spec.istio.mode = 'ambient';
  return e;
};

describe('edge and mesh-mode migrations', () => {
  it('prod ingress-nginx -> istio-gateway and sidecar -> ambient: two notes with the hand work tracestack does not do', () => {
    const before = env('prod');
    const after = toGatewayAmbient(env('prod'));
    const notes = edgeMigrations(before, after);
    expect(notes.map((n) => n.title)).toEqual(['edge ingress-nginx -> istio-gateway', 'Istio sidecar -> ambient']);
    const [edge, mesh] = notes;
    expect(edge.changes.join('\n')).toContain('Application `prod-ingress-nginx`');
    expect(edge.changes.join('\n')).toContain('Gateway `edge` (class `istio`');
    expect(edge.changes.join('\n')).toContain('Application `prod-gateway-api-crds`, wave -5');
    expect(edge.manual.join('\n')).toMatch(/Your Ingress objects are yours: tracestack does not own, convert or delete them/);
    expect(edge.manual.join('\n')).toContain('HTTPRoute whose `parentRefs` name the Gateway `edge` in `istio-ingress`');
    expect(edge.manual.join('\n')).toContain('`edge-istio.istio-ingress`');
    expect(edge.manual.join('\n')).toContain('`helm uninstall ingress-nginx -n ingress-nginx`');
    const ns = after.spec.instrumentation.namespaces;
    expect(ns.length).toBeGreaterThan(0);
    expect(mesh.changes.join('\n')).toContain('from `istio-injection=enabled` to `istio.io/dataplane-mode=ambient` + `istio.io/use-waypoint=waypoint`');
    for (const n of ns) expect(mesh.manual[0]).toContain(`kubectl rollout restart deployment,statefulset,daemonset -n ${n}`);
    expect(mesh.manual[0]).toMatch(/^\*\*Restart your workloads\*\*/);
  });

  it('no note without a switch; a revision in sidecar mode names its label; the reverse directions have their own notes', () => {
    expect(edgeMigrations(env('prod'), env('prod'))).toEqual([]);
    // sampling changes are not migrations
    const sampled = env('prod');
    sampled.spec.istio.samplingPercentage = 50;
    expect(edgeMigrations(env('prod'), sampled)).toEqual([]);
    const rev = env('prod');
    rev.spec.istio.revision = 'canary';
    const ambient = structuredClone(rev);
    ambient.spec.istio.mode = 'ambient';
    expect(edgeMigrations(rev, ambient)[0].changes[1]).toContain('from `istio.io/rev=canary` to');
    const back = edgeMigrations(ambient, rev);
    expect(back.map((n) => n.title)).toEqual(['Istio ambient -> sidecar']);
    expect(back[0].manual[0]).toContain('so that istiod injects sidecars');
    const gw = env('ambient-demo');
    const nginx = structuredClone(gw);
    nginx.spec.edge.type = 'ingress-nginx';
    expect(edgeMigrations(gw, nginx)[0].manual.join('\n')).toContain('HTTPRoutes attached to `edge` are yours and stay, detached');
  });

  it('migrationNotes: only environments on both sides, filtered by --env', () => {
    const before = envs();
    const after = before.map((e) => (e.metadata.name === 'prod' ? toGatewayAmbient(structuredClone(e)) : e));
    expect(migrationNotes(before, after).map((n) => `${n.env}: ${n.title}`)).toEqual(['prod: edge ingress-nginx -> istio-gateway', 'prod: Istio sidecar -> ambient']);
    expect(migrationNotes(before, after, ['dev'])).toEqual([]);
    expect(migrationNotes(undefined, after)).toEqual([]);
    expect(migrationNotes(before.filter((e) => e.metadata.name !== 'prod'), after)).toEqual([]);
  });

  it('diff --summary markdown and pr put the migration in the PR body, as valid GitHub Markdown; diff --format json carries it', () => {
    const dir = gitScratchRepo();
    const prod = join(dir, 'environments/prod.yaml');
    editFile(prod, /  ingressNginx:\n    enabled: true\n/, '  edge:\n    type: istio-gateway\n  ingressNginx:\n    enabled: false\n');
    editFile(prod, '  istio:\n', '  istio:\n    mode: ambient\n');
    const md = runCli(dir, ['diff', '--summary', 'markdown']);
    expect(md.code, md.err).toBe(1);
    expect(md.out).toContain('#### Migration: edge ingress-nginx -> istio-gateway');
    expect(md.out).toContain('#### Migration: Istio sidecar -> ambient');
    expect(md.out).toContain('**What you must do by hand:**');
    expect(md.out).toContain('- [ ] **Your Ingress objects are yours: tracestack does not own, convert or delete them.**');
    expect(md.out).toContain('Runbook: README "Runbook: ingress-nginx -> istio-gateway, sidecar -> ambient".');
    // the migration sits in prod's section, before the next environment's
    const prodAt = md.out.indexOf('### prod');
    expect(md.out.indexOf('#### Migration: edge')).toBeGreaterThan(prodAt);
    expect(gfmProblems(md.out)).toEqual([]);
    const json = JSON.parse(runCli(dir, ['diff', '--format', 'json']).out);
    expect(json.migrations.map((m: { env: string; title: string }) => `${m.env}: ${m.title}`)).toEqual(['prod: edge ingress-nginx -> istio-gateway', 'prod: Istio sidecar -> ambient']);
    const text = runCli(dir, ['diff']).out;
    expect(text).toContain('Migration prod: edge ingress-nginx -> istio-gateway');
    expect(text).toContain('  by hand: Your Ingress objects are yours');
    const pr = runCli(dir, ['pr']);
    expect(pr.code, pr.err).toBe(0);
    expect(pr.out).toContain('#### Migration: Istio sidecar -> ambient');
    expect(gitIn(dir, 'log', '-1', '--format=%B')).toContain('#### Migration: edge ingress-nginx -> istio-gateway');
  });
});
