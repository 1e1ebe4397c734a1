import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate, type Inputs } from '../src/pipeline.js';
import { mask, scanForSecrets, scanInputFile } from '../src/verify/secrets.js';
import { REPO } from './helpers/repo.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
// Fake credentials in the real formats (built from parts so that this file is not itself one long token).
const j = (...parts: string[]) => parts.join('');
const JWT = j('eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9', '.', 'eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ', '.', 'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c');
const RSA_BODY = j('MIIEowIBAAKCAQEA', 'u1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0', '/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW');
const SA_JSON = JSON.stringify({ type: 'service_account', project_id: 'demo', private_key_id: j('3f1c', '9a6e2b7d4c8f0a1e5b6d7c8e9f0a1b2c3d4e5f60'), private_key: `-----BEGIN PRIVATE KEY-----\n${RSA_BODY}\n-----END PRIVATE KEY-----\n`, client_email: 'x@demo.iam.gserviceaccount.com' });

interface Probe {
  name: string;
  /** YAML lines under spec.grafana.values (indented by the test). */
  yaml: string[];
  /** A substring of the line that must be reported. */
  at: string;
}

/** The formats first, then more: each one pasted into pass-through values of environments/dev.yaml. */
export const PROBES: Probe[] = [
  // from issue 10
  { name: 'env var password (list item)', yaml: ['env:', '  - name: DB_PASSWORD', '    value: hunter2hunter2'], at: 'value: hunter2' },
  { name: 'env var api key (flow map)', yaml: ['env: [{name: DD_API_KEY, value: 0123456789abcdef0123}]'], at: 'DD_API_KEY' },
  { name: 'env var token, value before name', yaml: ['extraEnv:', '  - value: s3cr3t-t0ken-value', '    name: GITHUB_TOKEN'], at: 's3cr3t-t0ken-value' },
  { name: '*password* key', yaml: ['smtp:', '  smtpPassword: correct-horse-battery'], at: 'smtpPassword' },
  { name: '*secret* key', yaml: ['oauth:', '  client_secret: 8f7e6d5c4b3a29187f6e'], at: 'client_secret' },
  { name: '*token* key', yaml: ['alerting:', '  pagerdutyToken: u+abcdEFGH1234'], at: 'pagerdutyToken' },
  { name: 'Slack webhook', yaml: [`notifier: https://hooks.slack.com/services/${j('T0000000', '0/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX')}`], at: 'hooks.slack.com' },
  { name: 'bearer JWT', yaml: [`headers:`, `  Authorization: Bearer ${JWT}`], at: 'Bearer' },
  { name: 'bare JWT', yaml: [`idToken: ${JWT}`], at: 'idToken' },
  { name: 'PGP private key', yaml: ['gpg: |', '  -----BEGIN PGP PRIVATE KEY BLOCK-----', '  lQOYBF0000000BCADQ', '  -----END PGP PRIVATE KEY BLOCK-----'], at: 'BEGIN PGP PRIVATE KEY' },
  { name: 'PEM body without header', yaml: ['tls:', `  key: ${RSA_BODY}`], at: 'MIIEow' },
  { name: 'PEM body lines in a block scalar', yaml: ['signing: |', `  ${RSA_BODY.slice(0, 64)}`, `  ${RSA_BODY.slice(64, 128)}`], at: RSA_BODY.slice(0, 20) },
  { name: 'INI password in a multi-line string', yaml: ['grafana.ini: |', '  [database]', '  type = postgres', '  password = pg-secret-123'], at: 'password = ' },
  { name: 'base64-wrapped private key', yaml: [`tlsKey: ${b64('-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n')}`], at: 'tlsKey' },
  { name: 'base64-wrapped password assignment', yaml: [`config: ${b64('[auth]\nadmin_password = supersecretvalue\n')}`], at: 'config:' },
  { name: 'token used as a map key', yaml: ['allowlist:', `  ${j('ghp_', 'R7x2Lq9Vb4Nm8Kc1Zp6Wd3Ty5Hs0Jf2Ga7Ue')}: true`], at: 'ghp_' },
  { name: 'high-entropy token as a map key', yaml: ['tokens:', `  ${j('Zk8Qw2Lp', 'Xv7Rt4Nm9Bc3Hd6Jf1Gs5Ya0')}: admin`], at: 'Zk8Qw2Lp' },
  { name: 'URL userinfo', yaml: ['datasource:', '  url: https://grafana:Gr4f4na-pa55@prom.example.com/'], at: 'Gr4f4na' },
  // more formats
  { name: 'AWS access key id', yaml: [`s3: {accessKeyId: ${j('AKIA', 'IOSFODNN7EXAMPLE')}}`], at: 'AKIA' },
  { name: 'AWS secret access key', yaml: [`aws_secret_access_key: ${j('wJalrXUtnFEMI/K7MDENG/', 'bPxRfiCYEXAMPLEKEY')}`], at: 'aws_secret_access_key' },
  { name: 'AWS credentials file', yaml: ['credentials: |', '  [default]', `  aws_access_key_id = ${j('ASIA', 'IOSFODNN7EXAMPLE')}`], at: 'ASIA' },
  { name: 'GCP service account JSON', yaml: [`gcs.json: '${SA_JSON.replace(/'/g, "''")}'`], at: 'gcs.json' },
  { name: 'GCP service account JSON, block scalar', yaml: ['key.json: |', '  {', '    "type": "service_account",', `    "private_key": "-----BEGIN PRIVATE KEY-----\\n${RSA_BODY.slice(0, 40)}\\n-----END PRIVATE KEY-----\\n"`, '  }'], at: '"private_key"' },
  { name: 'Google API key', yaml: [`maps: ${j('AIza', 'SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY')}`], at: 'AIza' },
  { name: 'Google OAuth client secret', yaml: [`google: {secret_value: ${j('GOCSPX-', '1a2B3c4D5e6F7g8H9i0JkLmNoP')}}`], at: 'GOCSPX' },
  { name: 'Azure storage connection string', yaml: [`conn: DefaultEndpointsProtocol=https;AccountName=tracesdemo;AccountKey=${j('Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq', '/K1SZFPTOtr/KBHBeksoGMGw==')};EndpointSuffix=core.windows.net`], at: 'AccountKey' },
  { name: 'Azure storage account key', yaml: ['azure:', `  storageAccountKey: ${j('Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq', '/K1SZFPTOtr/KBHBeksoGMGw==')}`], at: 'storageAccountKey' },
  { name: 'Azure SAS token in a URL', yaml: ['blob: https://x.blob.core.windows.net/c?sv=2022-11-02&ss=b&sig=AbCdEf0123456789%2Bxyz'], at: 'sig=' },
  { name: 'GitHub classic token', yaml: [`gh: ${j('ghp_', 'R7x2Lq9Vb4Nm8Kc1Zp6Wd3Ty5Hs0Jf2Ga7Ue')}`], at: 'ghp_' },
  { name: 'GitHub fine-grained token', yaml: [`gh: ${j('github_pat_', '11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV')}`], at: 'github_pat_' },
  { name: 'GitLab token', yaml: [`gitlab: ${j('glpat-', 'xYz12AbC3dEf45GhIjK6')}`], at: 'glpat-' },
  { name: 'npm token', yaml: [`registry: ${j('npm_', 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8')}`], at: 'npm_' },
  { name: 'npmrc auth token', yaml: ['npmrc: |', `  //registry.npmjs.org/:_authToken=${j('0a1b2c3d', '-4e5f-6789-abcd-ef0123456789')}`], at: '_authToken' },
  { name: 'Stripe secret key', yaml: [`stripe: ${j('sk_live_', '4eC39HqLyjWDarjtT1zdp7dc')}`], at: 'sk_live_' },
  { name: 'Twilio API key', yaml: [`twilio: ${j('SK', '0123456789abcdef0123456789abcdef')}`], at: 'SK0123' },
  { name: 'SendGrid API key', yaml: [`sendgrid: ${j('SG.', 'ngeVfQFYQlKU0ufo8x5d1A', '.', 'TwL2iGABf9DHoTf-09kqeF8tAmbihYzrnopKc-1s5cr')}`], at: 'SG.' },
  { name: 'Slack bot token', yaml: [`slack: ${j('xoxb-', '123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx')}`], at: 'xoxb-' },
  { name: 'OpenAI key', yaml: [`openai: ${j('sk-proj-', 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd')}`], at: 'sk-proj-' },
  { name: 'Anthropic key', yaml: [`llm: ${j('sk-ant-api03-', 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdEFGH')}`], at: 'sk-ant-' },
  { name: 'Vault token', yaml: [`vault: ${j('hvs.', 'CAESIJlWh4dK2n3bV7xQ9mPzR8sT1uYw')}`], at: 'hvs.' },
  { name: 'RSA private key', yaml: ['k: |', '  -----BEGIN RSA PRIVATE KEY-----', '  x', '  -----END RSA PRIVATE KEY-----'], at: 'BEGIN RSA' },
  { name: 'EC private key', yaml: ['k: "-----BEGIN EC PRIVATE KEY-----\\nMHcCAQEE\\n-----END EC PRIVATE KEY-----"'], at: 'BEGIN EC' },
  { name: 'OpenSSH private key', yaml: ['k: |', '  -----BEGIN OPENSSH PRIVATE KEY-----'], at: 'BEGIN OPENSSH' },
  { name: 'DSA private key', yaml: ['k: |', '  -----BEGIN DSA PRIVATE KEY-----'], at: 'BEGIN DSA' },
  { name: 'PKCS#8 private key', yaml: ['k: |', '  -----BEGIN PRIVATE KEY-----'], at: 'BEGIN PRIVATE' },
  { name: 'encrypted private key', yaml: ['k: |', '  -----BEGIN ENCRYPTED PRIVATE KEY-----'], at: 'BEGIN ENCRYPTED' },
  { name: 'PuTTY private key', yaml: ['k: |', '  PuTTY-User-Key-File-3: ssh-ed25519'], at: 'PuTTY' },
  { name: 'basic-auth header', yaml: ['proxy:', `  headers: {Authorization: "Basic ${b64('admin:s3cr3t')}"}`], at: 'Basic' },
  { name: 'docker config auths', yaml: [`dockerconfigjson: '{"auths":{"ghcr.io":{"auth":"${b64('bot:ghs_tokenvalue123')}"}}}'`], at: 'dockerconfigjson' },
  { name: 'PostgreSQL connection string', yaml: ['db: postgresql://app:Pg-pass-2024@db.internal:5432/app'], at: 'Pg-pass' },
  { name: 'MySQL connection string', yaml: ['db: mysql://root:rootpw123@mysql:3306/grafana'], at: 'rootpw' },
  { name: 'MongoDB SRV connection string', yaml: ['db: mongodb+srv://svc:Mongo-Secret-1@cluster0.abcde.mongodb.net/'], at: 'Mongo-Secret' },
  { name: 'Redis URL with password only', yaml: ['cache: redis://:r3dis-pass@redis:6379/0'], at: 'r3dis' },
  { name: 'JDBC URL with password parameter', yaml: ['jdbc: jdbc:postgresql://db:5432/app?user=app&password=jdbcpass1'], at: 'password=' },
  { name: 'command-line password flag', yaml: ['extraArgs:', '  - --db-password=flagpass99'], at: 'db-password' },
  { name: 'Datadog API key', yaml: [`dd: ${j('ddapi_', 'AbCdEfGhIjKlMnOpQrStUvWxYz012345')}`], at: 'ddapi_' },
  { name: 'Discord webhook', yaml: [`discord: https://discord.com/api/webhooks/123456789012345678/${j('AbCdEfGhIjKlMnOpQrSt', 'UvWxYz0123456789')}`], at: 'discord.com' },
  // found by secretlint's preset (no tracestack rule for these)
  { name: 'Shopify access token', yaml: [`shop: ${j('shpat_', '0123456789abcdef0123456789abcdef')}`], at: 'shpat_' },
  { name: 'Linear API key', yaml: [`linear: ${j('lin_api_', 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd')}`], at: 'lin_api_' },
  { name: 'token in a comment', yaml: [`# old key: ${j('AKIA', 'IOSFODNN7EXAMPLE')}`, 'x: 1'], at: 'AKIA' },
];

const defaults = { path: 'environments/_defaults.yaml', text: readFileSync(join(REPO, 'environments/_defaults.yaml'), 'utf8') };
const devText = readFileSync(join(REPO, 'environments/dev.yaml'), 'utf8');

function withProbe(p: Probe): { inputs: Inputs; line: number } {
  const lines = devText.replace(/\n$/, '').split('\n');
  lines.push('  grafana:', '    values:', ...p.yaml.map((l) => `      ${l}`));
  const line = lines.findIndex((l, i) => i >= lines.length - p.yaml.length && l.includes(p.at)) + 1;
  return { inputs: { defaults, environments: [{ path: 'environments/dev.yaml', text: lines.join('\n') + '\n' }] }, line };
}

describe('secret probe list: every format is refused with file:line and a rule name, and nothing is rendered', () => {
  it(`has the issue's formats and at least 20 more (${PROBES.length} probes)`, () => expect(PROBES.length).toBeGreaterThanOrEqual(18 + 20));

  it.each(PROBES.map((p) => [p.name, p] as const))('%s', (_name, p) => {
    const { inputs, line } = withProbe(p);
    expect(line).toBeGreaterThan(0);
    const r = generate(inputs, { outPath: 'out' });
    expect(r.tree).toBeUndefined();
    const secrets = r.diagnostics.filter((d) => d.code === 'secret');
    const hit = secrets.find((d) => d.file === 'environments/dev.yaml' && d.line === line);
    expect(hit, JSON.stringify(r.diagnostics, null, 1)).toBeDefined();
    expect(hit!.severity).toBe('error');
    expect(hit!.message).toMatch(/rule (tracestack|@secretlint)\/[\w-]+/);
    // the value is never printed in full
    const secretish = p.yaml.join('\n').match(/[A-Za-z0-9+/_=.-]{12,}/g) ?? [];
    for (const s of secretish.filter((t) => !/^[A-Za-z_]+$/.test(t))) expect(hit!.message).not.toContain(s);
  });

  it('the same formats in a rendered tree (out/) are found by the tree scan, at their line', () => {
    for (const p of PROBES) {
      const text = ['grafana:', ...p.yaml.map((l) => `  ${l}`)].join('\n') + '\n';
      const found = scanForSecrets(new Map([['dev/values/grafana.yaml', text]]), 'out');
      const line = text.split('\n').findIndex((l, i) => i > 0 && l.includes(p.at)) + 1;
      // comments are tracestack's own headers in out/; everything else must be found
      if (p.name === 'token in a comment') continue;
      expect(found.map((d) => d.line), p.name).toContain(line);
    }
  });

  it('values are masked: 4 characters shown at most', () => {
    expect(mask('AKIAIOSFODNN7EXAMPLE')).toBe('AKIA************');
    expect(mask('hunter2')).toBe('*******');
    expect(mask('x')).toBe('****');
  });
});

describe('no false positives', () => {
  it('references, placeholders and ordinary settings are not credentials', () => {
    const ok = [
      'admin:\n  existingSecret: grafana-admin\n  passwordKey: admin-password\n  userKey: admin-user',
      'env:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef: {name: db, key: password}',
      'env:\n  - name: DB_PASSWORD_FILE\n    value: /run/secrets/db',
      'env:\n  - name: API_TOKEN\n    value: $(TOKEN_FROM_SECRET)',
      'password: ${GF_PASSWORD}',
      'secretName: tempo-tls',
      'secret: grafana-oauth',
      'tokenTTL: 3600',
      'maxTokens: 100',
      'tokenSecretRef: {name: a}',
      'repoURL: https://github.com/example/tracing-gitops.git',
      'server: https://kubernetes.default.svc',
      'ssh: ssh://git@github.com/org/repo.git',
      'image: ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s:0.120.0',
      'digest: sha256:9b2a2a1b6c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f',
      'auth:\n  enabled: true',
      'tokenRefreshInterval: 5m',
      'useSecret: true',
    ];
    for (const text of ok) expect(scanInputFile('environments/x.yaml', text), text).toEqual([]);
  });
});
