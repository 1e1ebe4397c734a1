import { createRequire } from 'node:module';
import { posix } from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import type { FileTree } from '../plan/plan.js';
import { CappedMemo } from '../startup.js';

/**
 * The credential scanner. Two rule sets, both run line by line (a fleet's files share most of their lines, so each
 * distinct line is judged once and the verdict cached):
 *
 * - secretlint's recommended preset (@secretlint/secretlint-rule-preset-recommend: AWS, GitHub, Slack, npm,
 *   SendGrid, Shopify, OpenAI, Anthropic, Linear, 1Password, private keys, basic auth, database connection
 *   strings), run only on candidate lines (a long token-like run, a URL with userinfo, a key block), with a
 *   synchronous stand-in for @secretlint/core's context (the pipeline is synchronous and streams environment by
 *   environment; core's lintSource is async and re-reads its config per call).
 * - tracestack's own rules for what those miss in Helm values and environment files: literal values of
 *   password/secret/token/key-named keys (YAML, INI `password = x`, `--password=x` arguments), env var entries
 *   ({name: X_PASSWORD, value: ...}), URL userinfo and credential query parameters, Slack/Discord webhooks,
 *   bearer and basic authorization values, JWTs, PEM and PGP private keys, PEM bodies without their header,
 *   vendor token formats (GitLab, npm, Stripe, Twilio, Google, Vault, Azure connection strings, docker auths),
 *   long high-entropy tokens (as values, as map keys, or alone on a line), and base64 blobs, decoded and scanned
 *   again.
 *
 * Findings name the file, line, column and rule id; the value is never printed in full (see `mask`).
 */

export interface SecretHit {
  column: number;
  /** What it looks like, for the message. */
  what: string;
  /** Rule id: `tracestack/<name>` or a secretlint rule id. */
  rule: string;
  /** The matched text (masked before it is shown). */
  value: string;
}

/** All but the first 4 characters masked (all of them for values of 8 characters or fewer). */
export function mask(value: string): string {
  const v = value.trim();
  const stars = '*'.repeat(Math.min(Math.max(v.length - 4, 4), 12));
  return v.length <= 8 ? '*'.repeat(Math.max(v.length, 4)) : `${v.slice(0, 4)}${stars}`;
}

function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** A long random-looking token: mixed case and digits, no spaces, not a URL, host name or path. */
export function looksLikeSecret(value: string): boolean {
  const v = value.replace(/^["']|["']$/g, '');
  if (v.length < 24 || /\s/.test(v) || v.includes('://') || v.includes('${')) return false;
  if (!/[a-z]/.test(v) || !/[A-Z]/.test(v) || !/[0-9]/.test(v)) return false;
  // paths and image references (several slash-separated words) are not tokens; base64 has few slashes
  if (/^[./]/.test(v) || (v.match(/\//g)?.length ?? 0) > 2) return false;
  return entropy(v) >= 4.0;
}

/** Words that make a key (or env var name) hold a credential. */
const CREDENTIAL_WORD = /(passw(or)?d|passphrase|pwd|secret|token|apikey|accesskey|privatekey|secretkey|accountkey|signingkey|encryptionkey|masterkey|authkey|clientkey|credentials?|connectionstring|sastoken|webhookurl|bearer|^auth$|^dsn$)/;
/** Keys that name, point at or configure a credential instead of holding it. */
const REFERENCE_KEY =
  /((name|ref|reference|file|files|path|paths|env|enabled|enable|length|field|namespace|header|headers|selector|mount|mountpath|volume|volumes|dir|directory|ttl|duration|timeout|source|from|template|policy|type|mode|id|ids|provider|annotations|labels|keys|url|uri|endpoint|audience|issuer|prefix|suffix|format|version|count|size|limit|lifetime|expiry|expiration|rotation|interval|strategy|store|class|kind|hash|algorithm|location|user|username|login|usage|config|configmap|lookup|generator|items|list|serviceaccount|required|validation|ca|cert|certificate|rotate|refresh|method|scope|scopes|claim|claims|cookie)$|(password|passwd|token|user|username)key$|^(existing|use|enable|disable|create|auto|allow|require|skip|insecure|max|min|num|is|has|show|hide|generate))/;

/** Whether a map key (or env var name) says it holds a credential. */
export function isCredentialKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[-_.\s]/g, '');
  if (!CREDENTIAL_WORD.test(k)) return false;
  if (/(secretkey|accesskey|apikey|privatekey|accountkey|signingkey|encryptionkey|masterkey|authkey|clientsecret|webhookurl|connectionstring|sastoken)$/.test(k)) return true;
  return !REFERENCE_KEY.test(k);
}

/** A value that is not a literal credential: empty, a placeholder, a reference, a flag or a number. */
export function isPlaceholder(raw: string): boolean {
  const v = raw.trim().replace(/^["']|["']$/g, '').trim();
  return (
    v === '' ||
    v.length < 3 ||
    /^(null|~|true|false|yes|no|on|off|none|changeme|redacted|\*+|<[^>]*>|[|>][+-]?\d?)$/i.test(v) ||
    /^-?[\d.]+(e\d+)?[a-z]{0,2}$/i.test(v) ||
    /^\$\{[^}]*\}$|^\$\([A-Za-z_][A-Za-z0-9_]*\)$|^\$[A-Z_][A-Z0-9_]*$|^\{\{.*\}\}$/.test(v) ||
    /^(\/|\.\/|file:|secret:|vault:|env:|ref\+|arn:aws:secretsmanager)/.test(v) ||
    /^[[{&*!]/.test(v)
  );
}

/** Only secret-ish words need a secret-ish value: `secret: grafana-admin` names a Secret. */
function literalCredential(key: string, value: string): boolean {
  if (isPlaceholder(value)) return false;
  const k = key.toLowerCase().replace(/[-_.\s]/g, '');
  const v = value.trim().replace(/^["']|["']$/g, '');
  if (/(secret|credentials?|auth|dsn)$/.test(k) && !/(clientsecret|sharedsecret|webhooksecret|jwtsecret|cookiesecret|sessionsecret)$/.test(k)) {
    return !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(v) || v.length > 63;
  }
  return true;
}

interface TokenRule {
  rule: string;
  what: string;
  re: RegExp;
  /** Which group is the secret (default: the whole match; -1: the first group that matched). */
  group?: number;
  check?: (m: RegExpExecArray) => boolean;
}

const b64decode = (s: string) => Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('latin1');

/** Vendor formats and structural credentials: anywhere on a line (values, keys, comments, inside URLs). */
const TOKEN_RULES: TokenRule[] = [
  { rule: 'tracestack/private-key', what: 'a private key', re: /-----BEGIN ((RSA|DSA|EC|OPENSSH|ENCRYPTED|PGP|SSH2|PUTTY)[A-Z ]*)?PRIVATE KEY( BLOCK)?-----/ },
  { rule: 'tracestack/pem-block', what: 'a PEM block', re: /-----BEGIN [A-Z0-9 ]*(CERTIFICATE|KEY)[A-Z ]*-----/ },
  { rule: 'tracestack/putty-private-key', what: 'a PuTTY private key', re: /PuTTY-User-Key-File-\d:/ },
  { rule: 'tracestack/pem-body', what: 'a DER key body without its PEM header', re: /(?<![A-Za-z0-9+/])(MII[A-Za-z0-9+/]{40,}|MC4CAQAw[A-Za-z0-9+/]{20,}|MHcCAQEE[A-Za-z0-9+/]{20,})/ },
  { rule: 'tracestack/aws-access-key-id', what: 'an AWS access key id', re: /\b(AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b/ },
  { rule: 'tracestack/aws-secret-access-key', what: 'an AWS secret access key', re: /aws.{0,20}?(secret|key).{0,20}?[:=]\s*["']?([A-Za-z0-9/+]{40})\b/i, group: 2 },
  { rule: 'tracestack/github-token', what: 'a GitHub token', re: /\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{50,})\b/ },
  { rule: 'tracestack/gitlab-token', what: 'a GitLab token', re: /\b(glpat|gldt|glrt|glptt|glcbt|glsoat|gloas)-[A-Za-z0-9_-]{20,}\b/ },
  { rule: 'tracestack/npm-token', what: 'an npm token', re: /\b(npm_[A-Za-z0-9]{36})\b|_authToken\s*=\s*(\S{8,})/, group: -1, check: (m) => !isPlaceholder(m[1] ?? m[2]) },
  { rule: 'tracestack/slack-token', what: 'a Slack token', re: /\bxox[abposer]-[A-Za-z0-9-]{10,}/ },
  { rule: 'tracestack/slack-webhook', what: 'a Slack webhook URL', re: /https:\/\/hooks\.slack\.com\/(services|workflows|triggers)\/[A-Za-z0-9/_-]{8,}/ },
  { rule: 'tracestack/discord-webhook', what: 'a Discord webhook URL', re: /https:\/\/(ptb\.|canary\.)?discord(app)?\.com\/api\/webhooks\/\d+\/[A-Za-z0-9_-]{20,}/ },
  { rule: 'tracestack/teams-webhook', what: 'a Microsoft Teams webhook URL', re: /https:\/\/[a-z0-9-]+\.webhook\.office\.com\/webhookb2\/\S{20,}/ },
  { rule: 'tracestack/stripe-key', what: 'a Stripe key', re: /\b(sk|rk)_(live|test)_[A-Za-z0-9]{16,}\b|\bwhsec_[A-Za-z0-9]{24,}\b/ },
  { rule: 'tracestack/twilio-key', what: 'a Twilio API key or account secret', re: /\b(SK|AC)[0-9a-f]{32}\b/ },
  { rule: 'tracestack/sendgrid-key', what: 'a SendGrid API key', re: /\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/ },
  { rule: 'tracestack/google-api-key', what: 'a Google API key', re: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { rule: 'tracestack/google-oauth-secret', what: 'a Google OAuth client secret', re: /\bGOCSPX-[A-Za-z0-9_-]{20,}/ },
  { rule: 'tracestack/gcp-service-account', what: 'a GCP service account key', re: /"?private_key"?\s*:\s*"-----BEGIN/ },
  { rule: 'tracestack/azure-connection-string', what: 'an Azure connection string with a key', re: /(AccountKey|SharedAccessKey|SharedAccessSignature)\s*=\s*([^;"'\s]{16,})/i, group: 2 },
  { rule: 'tracestack/vault-token', what: 'a HashiCorp Vault token', re: /\bhv[sbr]\.[A-Za-z0-9_-]{24,}/ },
  { rule: 'tracestack/openai-key', what: 'an OpenAI or Anthropic API key', re: /\bsk-(proj-|ant-(api|admin)\d\d-)?[A-Za-z0-9_-]{32,}/ },
  { rule: 'tracestack/datadog-key', what: 'a Datadog key', re: /\bdd(api|app)_[A-Za-z0-9]{32,}\b/i },
  { rule: 'tracestack/jwt', what: 'a JSON Web Token', re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
  { rule: 'tracestack/bearer-token', what: 'a bearer token', re: /\bBearer\s+([A-Za-z0-9._~+/-]{16,}=*)/, group: 1 },
  {
    rule: 'tracestack/basic-auth',
    what: 'a basic-auth credential',
    re: /\bBasic\s+([A-Za-z0-9+/]{8,}={0,2})/,
    group: 1,
    check: (m) => b64decode(m[1]).includes(':'),
  },
  {
    rule: 'tracestack/docker-auth',
    what: 'a registry credential (docker config auth)',
    re: /"?(auth|identitytoken|registrytoken)"?\s*:\s*"?([A-Za-z0-9+/]{12,}={0,2})"?/i,
    group: 2,
    check: (m) => m[1].toLowerCase() !== 'auth' || /^[\x20-\x7e]+:[\x20-\x7e]+$/.test(b64decode(m[2])),
  },
  {
    rule: 'tracestack/url-userinfo',
    what: 'a URL with a user name and password (or token) in it',
    re: /\b([a-z][a-z0-9+.-]*):\/\/([^\s/?#@:'"]*):([^\s/?#@'"]*)@[^\s'"]/i,
    group: 3,
    check: (m) => m[3] !== '' && !isPlaceholder(m[3]),
  },
  {
    rule: 'tracestack/url-userinfo',
    what: 'a URL with a token as its user name',
    re: /\b(https?|git|wss?):\/\/([^\s/?#@:'"]{16,})@[^\s'"]/i,
    group: 2,
    check: (m) => !isPlaceholder(m[2]),
  },
  {
    rule: 'tracestack/url-credential-parameter',
    what: 'a credential in a URL query',
    re: /[?&;](password|passwd|pwd|token|access_token|auth_token|api_key|apikey|secret|client_secret|sig|x-amz-signature)=([^&\s'"#;]+)/i,
    group: 2,
    check: (m) => !isPlaceholder(m[2]),
  },
];

/** `key: value`, `key = value`, `--key=value`: the key names a credential and the value is a literal. */
const ASSIGNMENT = /(?:^|[\s{,[(]|--?)["']?([A-Za-z0-9_.-]*[A-Za-z0-9])["']?\s*(:|=)\s*("[^"]*"|'[^']*'|\$\{[^}]*\}|\{\{.*?\}\}|[^\s,}\]#]+(?:[ \t]+[^\s,}\]#]+)*)/g;
/** An env var entry on one line: {name: X_PASSWORD, value: literal}. */
const ENV_FLOW = /name["']?\s*:\s*["']?([A-Za-z0-9_.-]+)["']?\s*,\s*["']?value["']?\s*:\s*("[^"]*"|'[^']*'|[^,}]+)/;
/** `- name: X_PASSWORD` (the value is on a sibling line). */
const ENV_NAME = /^(\s*)(- )?name:\s*["']?([A-Za-z0-9_.-]+)["']?\s*$/;
const ENV_VALUE = /^(\s*)(- )?value:\s*(.*?)\s*$/;

function scanTokens(line: string): SecretHit | null {
  for (const r of TOKEN_RULES) {
    const m = r.re.exec(line);
    if (m && (!r.check || r.check(m))) {
      const value = (r.group === -1 ? m.slice(1).find(Boolean) : m[r.group ?? 0]) ?? m[0];
      return { column: m.index + Math.max(0, m[0].indexOf(value)), what: r.what, rule: r.rule, value };
    }
  }
  return null;
}

function scanAssignments(line: string): SecretHit | null {
  const flow = ENV_FLOW.exec(line);
  if (flow && isEnvCredentialName(flow[1]) && !isPlaceholder(flow[2])) {
    return { column: line.indexOf(flow[2], flow.index), what: `a literal value of env var ${flow[1]}`, rule: 'tracestack/env-credential', value: flow[2] };
  }
  ASSIGNMENT.lastIndex = 0;
  for (let m = ASSIGNMENT.exec(line); m; m = ASSIGNMENT.exec(line)) {
    const [, key, , value] = m;
    if (isCredentialKey(key) && literalCredential(key, value)) {
      return { column: m.index + m[0].lastIndexOf(value), what: `a literal ${key}`, rule: 'tracestack/credential-key', value: value.replace(/^["']|["']$/g, '') };
    }
  }
  return null;
}

export const isEnvCredentialName = (name: string) => /(PASSW(OR)?D|PASSPHRASE|PWD|SECRET|TOKEN|(^|_)(API_?)?KEY($|_)|CREDENTIALS?|(^|_)AUTH($|_)|DSN$|CONNECTION_STRING)/i.test(name) && !/(_FILE|_PATH|_NAME|_REF|_ID)$/i.test(name);

/** Long token-like runs: a value, a map key, a list item or a line of its own (a block scalar). */
function scanEntropy(line: string): SecretHit | null {
  const candidates = [
    /:\s+(["']?[^\s"']+["']?)\s*$/.exec(line),
    /^\s*-\s+(["']?[^\s"']+["']?)\s*$/.exec(line),
    /^\s*-?\s*["']?([^\s:"'#]{24,})["']?\s*:(\s|$)/.exec(line),
    /^\s*([A-Za-z0-9+/=_.-]{24,})\s*$/.exec(line),
    /=\s*["']?([A-Za-z0-9+/=_.-]{24,})["']?\s*$/.exec(line),
  ];
  for (const c of candidates) {
    if (c && looksLikeSecret(c[1])) return { column: c.index + c[0].indexOf(c[1]), what: 'a secret (a long high-entropy token)', rule: 'tracestack/high-entropy', value: c[1] };
  }
  return null;
}

/** Base64 blobs that decode to text: scan what they wrap (a key, a kubeconfig, a docker config). */
function scanBase64(line: string, depth: number): SecretHit | null {
  if (depth > 1) return null;
  const re = /[A-Za-z0-9+/_-]{24,}={0,2}/g;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    const blob = m[0];
    if (blob.replace(/=+$/, '').length % 4 === 1) continue;
    const text = b64decode(blob);
    if (text.length < 12) continue;
    let printable = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if ((c >= 0x20 && c < 0x7f) || c === 10 || c === 13 || c === 9) printable++;
    }
    if (printable / text.length < 0.95) continue;
    for (const inner of text.split(/\r?\n/)) {
      const hit = scanTokens(inner) ?? scanAssignments(inner) ?? scanBase64(inner, depth + 1);
      if (hit) return { column: m.index, what: `${hit.what}, base64-encoded`, rule: hit.rule, value: blob };
    }
  }
  return null;
}

// ---- secretlint's recommended preset, run synchronously on candidate lines ----

interface LintRule {
  meta: { id: string; type?: string };
  create(context: unknown, options: Record<string, unknown>): { file?(source: unknown): unknown };
}
let presetRules: LintRule[] | undefined;
function preset(): LintRule[] {
  if (!presetRules) {
    // Loaded on first use (only lines that pass the candidate filter need it); ESM, required synchronously
    // (Node >= 20.19 loads ES modules through require).
    const require = createRequire(import.meta.url);
    const mod = require('@secretlint/secretlint-rule-preset-recommend') as { rules: LintRule[] };
    presetRules = mod.rules.filter((r) => r.meta.type === 'scanner');
  }
  return presetRules;
}

/**
 * Cheap filter for lines worth handing to the library: a run of 20+ token characters with a digit and an uppercase
 * letter or underscore (every token format the preset knows), userinfo in a URL, a key block. Host names,
 * hyphenated resource names, paths and ordinary settings do not pass, so a run over plain environment files (and
 * the examples' output) does not even load the library.
 */
function isCandidate(line: string): boolean {
  if (line.includes('-----BEGIN') || /:\/\/[^\s/]*@/.test(line)) return true;
  const runs = line.match(/[A-Za-z0-9_+/=]{20,}/g);
  return !!runs && runs.some((r) => /\d/.test(r) && /[A-Z_]/.test(r));
}

function scanWithLibrary(line: string): SecretHit | null {
  if (!isCandidate(line)) return null;
  const found: Array<{ rule: string; messageId: string; range: [number, number] }> = [];
  for (const rule of preset()) {
    const context = {
      createTranslator: () => (messageId: string) => messageId,
      report: (d: { message: string; range: [number, number] }) => found.push({ rule: rule.meta.id, messageId: String(d.message), range: d.range }),
      ignore: () => undefined,
    };
    const source = {
      content: line,
      filePath: 'values.yaml',
      ext: '.yaml',
      contentType: 'text',
      indexToPosition: (i: number) => ({ line: 1, column: i }),
      locationToRange: (loc: { start: { column: number }; end: { column: number } }) => [loc.start.column, loc.end.column],
    };
    try {
      const r = rule.create(context, {}).file?.(source);
      if (r && typeof (r as Promise<unknown>).then === 'function') (r as Promise<unknown>).catch(() => undefined);
    } catch {
      // a rule that cannot handle a single line says nothing about it
    }
    if (found.length) break;
  }
  const f = found[0];
  if (!f) return null;
  return { column: f.range[0], what: `a credential (${f.messageId})`, rule: f.rule, value: line.slice(f.range[0], f.range[1]) };
}

/** One line's verdict. Order: structural and vendor formats, key/value rules, the library, entropy, base64. */
export function scanLine(line: string): SecretHit | null {
  return scanTokens(line) ?? scanAssignments(line) ?? scanWithLibrary(line) ?? scanEntropy(line) ?? scanBase64(line, 0);
}

/** A fleet's files share most of their lines: each distinct line is scanned once (the verdict depends on the line alone). */
const lineHits = new CappedMemo<string, SecretHit | null>(200_000);
const cachedScan = (line: string): SecretHit | null => lineHits.get(line, () => scanLine(line));

const envNameLines = new CappedMemo<string, boolean>(200_000);
/** Whether a line is `name: <an env var name that says credential>` (cached per distinct line). */
function mayNameCredentialEnv(line: string): boolean {
  return envNameLines.get(line, () => {
    const m = ENV_NAME.exec(line);
    return !!m && isEnvCredentialName(m[3]);
  });
}

/** Env var entries spread over lines: `- name: DB_PASSWORD` with a literal `value:` in the same list item. */
function envEntryHit(lines: string[], i: number): { line: number; hit: SecretHit } | null {
  const m = ENV_NAME.exec(lines[i]);
  if (!m || !isEnvCredentialName(m[3])) return null;
  const indent = m[1].length + (m[2] ? 2 : 0);
  for (let j = Math.max(0, i - 4); j < Math.min(lines.length, i + 5); j++) {
    if (j === i) continue;
    const v = ENV_VALUE.exec(lines[j]);
    if (!v || v[1].length + (v[2] ? 2 : 0) !== indent) continue;
    // the same item: no other list item starts between the two lines
    const between = lines.slice(Math.min(i, j) + 1, Math.max(i, j) + 1);
    if (between.some((l, k) => Math.min(i, j) + 1 + k !== Math.max(i, j) && new RegExp(`^\\s{${Math.max(0, indent - 2)}}- `).test(l))) continue;
    if (j > i && v[2]) continue;
    if (!isPlaceholder(v[3])) return { line: j, hit: { column: lines[j].indexOf(v[3]), what: `a literal value of env var ${m[3]}`, rule: 'tracestack/env-credential', value: v[3] } };
  }
  return null;
}

/** The line (0-based) and hit for every credential found in a text; comment lines are skipped unless asked. */
export function scanText(text: string, comments: boolean): Array<{ line: number; hit: SecretHit }> {
  const out: Array<{ line: number; hit: SecretHit }> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    if (line.trimStart().startsWith('#')) {
      if (!comments) continue;
      line = line.replace(/#/, ' ');
    }
    const hit = cachedScan(line);
    if (hit) {
      out.push({ line: i, hit });
      continue;
    }
    if (line.includes('name:') && mayNameCredentialEnv(line)) {
      const env = envEntryHit(lines, i);
      if (env && !out.some((o) => o.line === env.line)) out.push(env);
    }
  }
  return out.sort((a, b) => a.line - b.line);
}

const finding = (file: string, line: number, hit: SecretHit, where: string): Diagnostic => ({
  file,
  line: line + 1,
  column: hit.column + 1,
  path: '',
  code: 'secret',
  message: `refusing to ${where} what looks like ${hit.what} ("${mask(hit.value)}", rule ${hit.rule}); credentials belong in an existing Secret, referenced by name`,
  suggestion: 'Remove it and reference a Secret instead (existingSecret / extraEnvFrom / envFromSecret in the chart).',
  severity: 'error',
});

/**
 * Refuse a rendered tree that looks like it holds a credential. tracestack never renders credentials itself;
 * this catches ones pasted into pass-through `values` (or anything the environment checks missed).
 */
export function scanForSecrets(tree: FileTree, outPath: string): Diagnostic[] {
  const found: Diagnostic[] = [];
  for (const [file, text] of tree) for (const { line, hit } of scanText(text, false)) found.push(finding(posix.join(outPath, file), line, hit, 'write'));
  return found;
}

/** An input file (an environment file, _defaults.yaml, anything `pr` commits), whole: comments included. */
export function scanInputFile(file: string, text: string, where = 'accept'): Diagnostic[] {
  return scanText(text, true).map(({ line, hit }) => finding(file, line, hit, where));
}

/** What a (key, string value) pair in user data looks like, if it looks like a credential. */
export function credentialKind(key: string | undefined, value: string): string | undefined {
  const token = scanTokens(value);
  if (token) return `${token.what} (rule ${token.rule})`;
  if (key && isCredentialKey(key) && literalCredential(key, value) && !value.includes('\n')) return `a literal ${key} (rule tracestack/credential-key)`;
  for (const line of value.split('\n')) {
    const hit = scanAssignments(line) ?? scanWithLibrary(line) ?? scanBase64(line, 0);
    if (hit) return `${hit.what} (rule ${hit.rule})`;
  }
  if (looksLikeSecret(value)) return 'a secret (a long high-entropy token, rule tracestack/high-entropy)';
  return undefined;
}
