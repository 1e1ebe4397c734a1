import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { validateInputs } from '../src/pipeline.js';
import { planBases, planEnvironment, planShared } from '../src/plan/plan.js';
import { resolveEnvironment } from '../src/resolve/units.js';
import { baseEnvironment } from '../src/resolve/resolve.js';
import { toYaml } from '../src/render/yaml.js';

/**
 * Injection-proof rendering: adversarial strings in every free-text field of the spec must come out as the same
 * strings, at the intended place, in files that still parse with the same set of keys. A renderer that pasted
 * strings into YAML text would break on the first `: `, `#`, newline or quote.
 */
const nasty = fc.constantFrom(': ', '#', 'no', 'on', 'y', 'off', '1_000', '0o17', '<<', '2001-12-14',  ' # c', '- ', '\n', '\r\n', "'", '"', '{{ .Values.x }}', '}}', '$', '${HOME}', '$$', '&anchor', '*alias', '!!binary', '%TAG', '@', '`', '|', '>', '? ', 'null', 'true', 'no', '0x1F', '1e3', '~', '\t', '\u2028', '😀', 'ü', '---', '...', '[a, b]', '{a: b}', ',', '\\', '\u0085');
const piece = fc.oneof({ weight: 3, arbitrary: nasty }, { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) });
const adversarial = fc.oneof(
  { weight: 20, arbitrary: fc.array(piece, { minLength: 1, maxLength: 8 }).map((p) => p.join('')) },
  { weight: 1, arbitrary: fc.array(piece, { minLength: 1, maxLength: 4 }).map((p) => p.join('').repeat(10_000).slice(0, 10_000)) },
).filter((s) => s.length > 0); // the schema requires these fields to be non-empty
/** Single-line settings (Argo CD's repoURL, targetRevision, destination) refuse line breaks; the schema says so. */
const noBreaks = adversarial.map((s) => s.replace(/[\n\r\u2028\u2029\u0085]/g, ' ')).filter((s) => s.length > 0);
/** serviceName and operationName must also be free of `{{` (the chart runs controller.config through Helm's tpl). */
const oneLine = noBreaks.map((s) => s.replace(/\{\{/g, '{ {')).filter((s) => s.length > 0);

const FIELDS = ['repoURL', 'targetRevision', 'server', 'serviceName', 'operationName', 'valueKey', 'value'] as const;

function environmentText(v: Record<(typeof FIELDS)[number], string>): string {
  const doc = {
    apiVersion: 'tracestack.dev/v1alpha1',
    kind: 'Environment',
    metadata: { name: 'fuzz' },
    spec: {
      argocd: { repoURL: v.repoURL, targetRevision: v.targetRevision, destination: { server: v.server } },
      ingressNginx: { enabled: true, serviceName: v.serviceName, operationName: v.operationName },
      prometheus: { url: 'http://prometheus.monitoring.svc:9090' },
      grafana: { values: { extra: { [v.valueKey]: v.value } } },
      tempo: { storage: { backend: 's3', credentialsSecret: { name: 'tempo-s3' }, s3: { bucket: 'traces', endpoint: 's3.example.com' } } },
    },
  };
  return stringify(doc);
}

/**
 * Parse every rendered file with YAML 1.2 rules (Kustomize, this tool) and YAML 1.1 rules (Helm, Argo CD and
 * kubectl read `no`, `on`, `1_000` as non-strings), failing on any parse error or any disagreement.
 */
function parsedTree(tree: Map<string, string>): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  for (const [file, text] of tree) {
    const docs = parseAllDocuments(text);
    for (const d of docs) if (d.errors.length) throw new Error(`${file} does not parse: ${d.errors[0].message}`);
    const js = docs.map((d) => d.toJS());
    // (merge: false: this parser also takes a quoted "<<" key as a merge key, which Go's YAML 1.1 readers do not;
    //  that "<<" is always written quoted is checked below)
    const as11 = parseAllDocuments(text, { version: '1.1', merge: false }).map((d) => d.toJS());
    expect(as11, `${file} reads differently under YAML 1.1`).toEqual(js);
    out.set(file, js);
  }
  return out;
}

/** The structure of a document with its string leaves blanked: same keys and nesting, values aside. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shape);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k === 'extra' ? k : k, k === 'extra' ? Object.keys(x as object).length : shape(x)]));
  return typeof v;
}

function render(values: Record<(typeof FIELDS)[number], string>) {
  // repoURL must be a git URL (src/validate/urls.ts, tested in urls.test.ts): the file is validated with a real
  // one and the renderer then gets the adversarial string, so its quoting is still what this test exercises
  const r = validateInputs({ environments: [{ path: 'environments/fuzz.yaml', text: environmentText({ ...values, repoURL: 'https://git.acme.io/platform/gitops.git' }) }] });
  if (r.diagnostics.some((d) => d.severity === 'error')) return { errors: r.diagnostics };
  for (const env of r.environments) env.spec.argocd.repoURL = values.repoURL;
  // the planner as generate runs it: each environment's files from its resolved units, then the shared files
  const bases = planBases(baseEnvironment({}));
  const tree = new Map<string, string>();
  for (const env of r.environments) for (const entry of planEnvironment(resolveEnvironment(env), bases, 'out', 'environments/fuzz.yaml')) tree.set(...entry);
  for (const entry of planShared(bases, r.environments, 'out', 'defaults')) tree.set(...entry);
  return { tree };
}

// (plain values that YAML 1.1 reads alike: `n` or `y` would be refused as ambiguous)
const baseline = render({ repoURL: 'r', targetRevision: 't', server: 's', serviceName: 'svc', operationName: 'o', valueKey: 'k', value: 'v' });
const baselineShape = new Map([...parsedTree(baseline.tree!)].map(([f, docs]) => [f, shape(docs)]));

describe('rendering is injection-proof (property test, fixed seed)', () => {
  it('adversarial strings land byte-exact, every file parses, the set of keys is unchanged (1,000 cases)', () => {
    const arb = fc.record({ repoURL: noBreaks, targetRevision: noBreaks, server: noBreaks, serviceName: oneLine, operationName: oneLine, valueKey: adversarial, value: adversarial });
    fc.assert(
      fc.property(arb, (v) => {
        const r = render(v);
        // credentials-looking random tokens are refused by design, and so are plain scalars YAML 1.1 reads
        // differently (stringify writes `1_000` or `y` unquoted, as YAML 1.2 allows); nothing else may fail
        if (r.errors) {
          // (warnings, such as the fuzz environment's ingress-nginx deprecation, are not failures)
          expect(r.errors.filter((d) => d.severity === 'error' && d.code !== 'secret' && d.code !== 'yaml11-ambiguous')).toEqual([]);
          return;
        }
        const docs = parsedTree(r.tree!);
        expect([...docs.keys()]).toEqual([...baselineShape.keys()]);
        for (const [file, d] of docs) expect(shape(d), file).toEqual(baselineShape.get(file));

        const app = docs.get('fuzz/argocd/apps/tempo.yaml')![0] as any;
        expect(app.spec.sources[1].repoURL).toBe(v.repoURL);
        expect(app.spec.sources[1].targetRevision).toBe(v.targetRevision);
        expect(app.spec.destination.server).toBe(v.server);
        const collector = docs.get('fuzz/argocd/apps/collector.yaml')![0] as any;
        expect(collector.spec.source.repoURL).toBe(v.repoURL);
        const project = docs.get('fuzz/argocd/apps/appproject.yaml')![0] as any;
        expect(project.spec.sourceRepos[0]).toBe(v.repoURL);
        const nginx = docs.get('fuzz/values/ingress-nginx.yaml')![0] as any;
        expect(nginx.controller.config['otel-service-name']).toBe(v.serviceName);
        expect(nginx.controller.config['opentelemetry-operation-name']).toBe(v.operationName);
        const grafana = docs.get('fuzz/values/grafana.yaml')![0] as any;
        expect(grafana.extra).toEqual({ [v.valueKey]: v.value });
      }),
      { numRuns: 1000, seed: 20261124, endOnFailure: true },
    );
  }, 300_000);

  it('strings that YAML 1.1 or 1.2 would read as something else are written quoted', () => {
    for (const s of ['no', 'on', 'y', 'off', '1_000', '0o17', '<<', '2001-12-14', 'true', '~', 'null', '0x1F', '1e3', '.inf']) {
      const line = toYaml({ [s]: s }).trim();
      expect(line, s).toBe(`"${s}": "${s}"`);
    }
  });

  it('the check itself catches a renderer that pastes strings into YAML text', () => {
    const pasted = `controller:\n  config:\n    otel-service-name: ${'a: b # c'}\n`;
    const [doc] = parseAllDocuments(pasted).map((d) => d.toJS());
    expect((doc as any).controller.config['otel-service-name']).not.toBe('a: b # c');
  });
});
