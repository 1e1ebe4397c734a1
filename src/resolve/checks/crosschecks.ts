import type { Diagnostic } from '../../diagnostics.js';
import { charts, passThroughs } from '../../components/derived.js';
import type { HelmUnit } from '../../components/types.js';
import type { DefaultsLayer, LoadedEnvironment } from '../../load/environments.js';
import { isPlainObject } from '../../load/merge.js';
import type { Resolved } from '../units.js';
import { sampleAccessLogLine, TRACE_ID_REGEX } from '../../components/access-log.js';
import { PORTS } from '../../components/names.js';
import { credentialKind } from '../../validate/secrets/scan.js';
import { isEnvCredentialName, isPlaceholder, mask } from '../../validate/secrets/rules.js';
import { checkUrls } from '../../validate/urls.js';
import { checkPassThrough, type ChartValues } from './passthrough.js';
import { checkTempo3 } from './tempo3.js';
import type { TempoRecord } from '../../components/tempo/index.js';
import { checkEdge } from './edge.js';

export interface CrossCheckOptions {
  /** Render chart versions tracestack does not know (a warning instead of an error). */
  allowUnknownChartVersions?: boolean;
  /** The pinned charts' default values: pass-through keys are checked against them (skipped without). */
  chartValues?: ChartValues;
  /**
   * The Tempo state (2.x, migration phase, 3.x) each environment was last generated at, read from the output folder
   * (src/write/tempo-record.ts): a migration phase may not be skipped or undone. Without it, nothing is compared.
   */
  previousTempo?: (env: string) => TempoRecord | undefined;
}

/** Namespaces where an Instrumentation would inject into system or platform pods. */
const SYSTEM_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease'];

const ptr = (...parts: Array<string | number>) => '/' + parts.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/**
 * Checks that need more than one field: the wiring between components that a schema cannot express. Each
 * problem says where (file:line:col via the loaded source) and what to set. Runs on a schema-valid environment.
 */
export function crossCheck(loaded: LoadedEnvironment, r: Resolved, options: CrossCheckOptions = {}): Diagnostic[] {
  const { env, names, units } = r;
  const s = env.spec;
  const out: Diagnostic[] = [];
  const at = (pointer: string, code: string, message: string, suggestion?: string, severity: 'error' | 'warning' = 'error', preferKey = false) =>
    out.push({
      ...loaded.locate(pointer, preferKey),
      path: pointer.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).reduce((a, p) => (/^\d+$/.test(p) ? `${a}[${p}]` : a ? `${a}.${p}` : p), ''),
      code,
      message,
      ...(suggestion ? { suggestion } : {}),
      severity,
    });
  out.push(...checkUrls(loaded, env));
  checkTempo3(loaded, env, at, options.previousTempo?.(env.metadata.name));
  checkEdge(env, at);

  // Object storage: only the chosen backend's section. One section may still come from _defaults.yaml when the
  // environment chose another backend itself (it cannot delete a merged key); it is not rendered then.
  if (s.tempo.enabled) {
    const storage = s.tempo.storage;
    const backendFile = loaded.locate(ptr('spec', 'tempo', 'storage', 'backend')).file;
    for (const other of (['s3', 'gcs', 'azure'] as const).filter((b) => b !== storage.backend && storage[b] !== undefined)) {
      const where = loaded.locate(ptr('spec', 'tempo', 'storage', other), true);
      if (where.file !== loaded.file && backendFile === loaded.file) continue;
      at(
        ptr('spec', 'tempo', 'storage', other),
        'storage-backend',
        `spec.tempo.storage.${other} is set but the backend is ${storage.backend}: only the section of the chosen backend may be present (tracestack would silently ignore this one)`,
        `Remove spec.tempo.storage.${other}, or set spec.tempo.storage.backend: ${other} (and remove spec.tempo.storage.${storage.backend}).`,
        'error',
        true,
      );
    }
    // Credentials: a Secret or the cloud's workload identity, exactly one, and the identity of the backend's cloud.
    const identity = Object.keys(storage.workloadIdentity ?? {})[0];
    // (A Secret from _defaults.yaml with an identity in the environment file itself: the environment's identity wins,
    // as it cannot delete the merged key; the Secret is not rendered.)
    const secretShared = storage.credentialsSecret && loaded.locate(ptr('spec', 'tempo', 'storage', 'credentialsSecret'), true).file !== loaded.file;
    const identityOwn = identity && loaded.locate(ptr('spec', 'tempo', 'storage', 'workloadIdentity'), true).file === loaded.file;
    if (storage.credentialsSecret && identity && !(secretShared && identityOwn)) {
      at(ptr('spec', 'tempo', 'storage', 'workloadIdentity'), 'storage-credentials', 'spec.tempo.storage has both credentialsSecret and workloadIdentity: Tempo uses one way to reach the bucket', 'Remove one of them (if one comes from _defaults.yaml, move it into the environments that use it).', 'error', true);
    } else if (!storage.credentialsSecret && !identity) {
      at(ptr('spec', 'tempo', 'storage'), 'storage-credentials', 'spec.tempo.storage needs credentials: an existing Secret (credentialsSecret) or the cloud\'s workload identity (workloadIdentity)', { s3: 'Set: spec.tempo.storage.workloadIdentity.awsRoleArn: arn:aws:iam::<account>:role/<role>  (or credentialsSecret.name)', gcs: 'Set: spec.tempo.storage.workloadIdentity.gcpServiceAccount: <name>@<project>.iam.gserviceaccount.com  (or credentialsSecret.name)', azure: 'Set: spec.tempo.storage.workloadIdentity.azureClientId: <client id>  (or credentialsSecret.name)' }[storage.backend], 'error', true);
    } else if (identity) {
      const fits = { s3: 'awsRoleArn', gcs: 'gcpServiceAccount', azure: 'azureClientId' }[storage.backend];
      if (identity !== fits) at(ptr('spec', 'tempo', 'storage', 'workloadIdentity', identity), 'storage-credentials', `workloadIdentity.${identity} is for another cloud than backend ${storage.backend}`, `Use spec.tempo.storage.workloadIdentity.${fits}`, 'error', true);
    }
  }
  const written = (pointer: string) => pointer.split('/').slice(1).reduce<unknown>((o, k) => (isPlainObject(o) ? o[k] : undefined), loaded.document) !== undefined;

  // Chart versions: only those whose values tracestack knows how to write.
  for (const [key, version] of Object.entries(s.chartVersions ?? {})) {
    const c = charts().get(key);
    if (!c || (c.known as readonly string[]).includes(version!)) continue;
    const kafka = key === 'tempo' && /^v?3\./.test(version!) ? ' tempo-distributed 3.x is the Kafka-based Tempo 3 architecture: set spec.tempo.version: "3" (pinned by chartVersions.tempo3).' : '';
    at(
      ptr('spec', 'chartVersions', key),
      'chart-version',
      `tracestack does not know how to render ${c.repo}/${c.chart} ${version} (known: ${c.known.join(', ')}).${kafka}`,
      `Set: spec.chartVersions.${key}: ${c.known[0]}  (or run generate with --allow-unknown-chart-versions)`,
      options.allowUnknownChartVersions ? 'warning' : 'error',
    );
  }

  const helm = (id: string) => units.find((u): u is HelmUnit => u.kind === 'helm' && u.id === id);
  out.push(...checkPassThrough(loaded, env, options.chartValues, units));

  // Istio: the Telemetry names a provider that exists in meshConfig and is an OpenTelemetry tracing provider.
  // An existing Istio (install: false): what its mesh config must contain, checked when it is given.
  const existingIstio = s.istio.enabled && !s.istio.install;
  if (existingIstio && !s.istio.existingMeshConfig) {
    const needed = `extensionProviders: [{name: ${s.istio.providerName}, opentelemetry: {service: ${names.collectorHost}, port: ${PORTS.otlpGrpc}}}]${s.istio.accessLog ? `, accessLogFile: /dev/stdout, accessLogFormat containing "traceparent=%REQ(TRACEPARENT)%"` : ''}`;
    at(ptr('spec', 'istio', 'install'), 'existing-istio', `Istio is not installed by tracestack: the existing mesh config must contain ${needed}; tracestack renders the Telemetry and the namespace labels only`, 'Paste the mesh config into spec.istio.existingMeshConfig to have it checked (kubectl get configmap istio -n istio-system -o jsonpath={.data.mesh}).', 'warning');
  }
  if (s.istio.enabled && (s.istio.install || s.istio.existingMeshConfig)) {
    const mesh = ((existingIstio ? s.istio.existingMeshConfig : helm('istiod')?.values.meshConfig) ?? {}) as Record<string, unknown>;
    const providers = Array.isArray(mesh.extensionProviders) ? (mesh.extensionProviders as Array<Record<string, unknown>>) : [];
    const provider = providers.find((p) => p?.name === s.istio.providerName);
    const overridden = written(ptr('spec', 'istio', 'istiodValues', 'meshConfig', 'extensionProviders'));
    const where = existingIstio ? ptr('spec', 'istio', 'existingMeshConfig') : overridden ? ptr('spec', 'istio', 'istiodValues', 'meshConfig', 'extensionProviders') : ptr('spec', 'istio', 'providerName');
    if (existingIstio && isPlainObject(provider?.opentelemetry) && (provider.opentelemetry.service !== names.collectorHost || Number(provider.opentelemetry.port) !== PORTS.otlpGrpc)) {
      at(where, 'telemetry-provider', `the existing mesh's provider "${s.istio.providerName}" sends to ${String(provider.opentelemetry.service)}:${String(provider.opentelemetry.port)}, not to the collector tracestack renders (${names.collectorHost}:${PORTS.otlpGrpc})`, `Set the provider's opentelemetry.service: ${names.collectorHost} and port: ${PORTS.otlpGrpc} in the existing Istio installation.`);
    }
    if (existingIstio && s.istio.accessLog && typeof mesh.accessLogFormat !== 'string') {
      at(where, 'log-trace-link', 'the existing mesh config sets no accessLogFormat: Envoy\'s default format has no traceparent, so Loki cannot link its lines to traces', 'Add accessLogFile: /dev/stdout and an accessLogFormat containing traceparent=%REQ(TRACEPARENT)% to the existing mesh config.', 'warning');
    }
    if (!provider) {
      const otel = providers.find((p) => isPlainObject(p?.opentelemetry))?.name;
      at(where, 'telemetry-provider', `the mesh Telemetry uses provider "${s.istio.providerName}", which meshConfig.extensionProviders does not define`, otel ? `Set: spec.istio.providerName: ${otel}` : 'Remove spec.istio.istiodValues.meshConfig.extensionProviders (tracestack renders the provider).');
    } else if (!isPlainObject(provider.opentelemetry)) {
      at(where, 'telemetry-provider', `provider "${s.istio.providerName}" is not an OpenTelemetry tracing provider (no "opentelemetry" settings)`, 'Remove spec.istio.istiodValues.meshConfig.extensionProviders (tracestack renders the provider).');
    }

    // The Loki derived field must find the trace id in the access-log line Istio will actually write.
    const format = mesh.accessLogFormat;
    if (s.istio.accessLog && typeof format === 'string') {
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const line = sampleAccessLogLine(`00-${traceId}-00f067aa0ba902b7-01`, format);
      const got = new RegExp(TRACE_ID_REGEX).exec(line)?.[1];
      if (got !== traceId) {
        at(
          written(ptr('spec', 'istio', 'istiodValues', 'meshConfig', 'accessLogFormat')) ? ptr('spec', 'istio', 'istiodValues', 'meshConfig', 'accessLogFormat') : ptr('spec', 'istio', 'accessLog'),
          'log-trace-link',
          `Loki's trace-id regex ${TRACE_ID_REGEX} does not capture the 32-hex trace id from the configured access-log format (sample line: ${line.trim()})`,
          'Keep `traceparent=%REQ(TRACEPARENT)%` in the access-log format, or remove spec.istio.istiodValues.meshConfig.accessLogFormat.',
        );
      }
    }
    if (!s.istio.accessLog && s.grafana.enabled) {
      at(ptr('spec', 'istio', 'accessLog'), 'log-trace-link', 'access logs are off, so Loki has no trace ids to link to Tempo', 'Set: spec.istio.accessLog: true', 'warning');
    }
    if (s.istio.samplingPercentage === 0) {
      at(ptr('spec', 'istio', 'samplingPercentage'), 'sampling', 'Istio is on but samples 0% of requests: the mesh starts no traces', 'Set: spec.istio.samplingPercentage: 1', 'warning');
    }
  }

  // Sampling: ratio and percentage are different scales; nginx settings that sample nothing.
  const n = s.ingressNginx;
  if (n.enabled) {
    if (n.sampler === 'TraceIdRatioBased' && n.samplerRatio === 0) {
      at(ptr('spec', 'ingressNginx', 'samplerRatio'), 'sampling', 'ingress-nginx samples with ratio 0: it never starts a trace', 'Set: spec.ingressNginx.samplerRatio: 0.01');
    }
    if (n.sampler === 'AlwaysOff') {
      at(ptr('spec', 'ingressNginx', 'sampler'), 'sampling', 'ingress-nginx tracing is on but its sampler is AlwaysOff (it only follows sampled parents if parentBased)', 'Set: spec.ingressNginx.sampler: TraceIdRatioBased', 'warning');
    }
    if (n.sampler !== 'TraceIdRatioBased' && written(ptr('spec', 'ingressNginx', 'samplerRatio'))) {
      at(ptr('spec', 'ingressNginx', 'samplerRatio'), 'sampling', `samplerRatio is ignored with sampler ${n.sampler}`, 'Set: spec.ingressNginx.sampler: TraceIdRatioBased', 'warning');
    }
    if (s.istio.enabled && n.sampler === 'TraceIdRatioBased' && n.samplerRatio < 1 && n.samplerRatio > 0 && s.istio.samplingPercentage === n.samplerRatio) {
      at(
        ptr('spec', 'istio', 'samplingPercentage'),
        'sampling',
        `spec.istio.samplingPercentage is a percentage (0-100) but equals the ingress-nginx ratio ${n.samplerRatio} (0-1): the mesh would sample ${n.samplerRatio}% where nginx samples ${n.samplerRatio * 100}%`,
        `Set: spec.istio.samplingPercentage: ${+(n.samplerRatio * 100).toFixed(2)}`,
      );
    }
  }
  const sampler = s.instrumentation.sampler;
  if (s.instrumentation.enabled && !sampler.type.includes('traceidratio') && written(ptr('spec', 'instrumentation', 'sampler', 'argument'))) {
    at(ptr('spec', 'instrumentation', 'sampler', 'argument'), 'sampling', `the sampler argument is ignored by sampler ${sampler.type}`, 'Set: spec.instrumentation.sampler.type: parentbased_traceidratio', 'warning');
  }

  // Propagation: Istio's OpenTelemetry provider and ingress-nginx speak W3C trace context only.
  if (s.instrumentation.enabled && (s.istio.enabled || n.enabled) && !s.instrumentation.propagators.includes('tracecontext')) {
    const by = [s.istio.enabled ? 'Istio' : '', n.enabled ? 'ingress-nginx' : ''].filter(Boolean).join(' and ');
    at(
      ptr('spec', 'instrumentation', 'propagators'),
      'propagators',
      `${by} propagate W3C trace context; without tracecontext the applications start a new trace at every hop`,
      `Set: spec.instrumentation.propagators: [${['tracecontext', ...s.instrumentation.propagators].join(', ')}]`,
    );
  }

  // The metrics generator and Grafana's Prometheus datasource need a Prometheus URL.
  if (s.prometheus.mode === 'external' && !s.prometheus.url) {
    const users = [
      s.tempo.enabled && s.tempo.metricsGenerator.enabled ? "Tempo's metrics generator (remote write)" : '',
      s.collector.enabled && s.sampling.mode === 'tail' ? "the sampling collector's span metrics and service graph (remote write)" : '',
      s.grafana.enabled ? "Grafana's service map" : '',
    ].filter(Boolean);
    if (users.length) {
      at(ptr('spec', 'prometheus'), 'prometheus-url', `${users.join(' and ')} need a Prometheus, but spec.prometheus.url is not set (mode external)`, 'Set: spec.prometheus.url: http://prometheus-operated.monitoring.svc:9090  (or spec.prometheus.mode: deploy)');
    }
  }

  // Instrumentation injects SDKs into every pod created in its namespace: never into system or platform namespaces.
  if (s.instrumentation.enabled) {
    const platform = new Map<string, string>([
      ...SYSTEM_NAMESPACES.map((ns) => [ns, 'a Kubernetes system namespace'] as const),
      ...units.filter((u) => u.kind === 'helm').map((u) => [u.namespace, `the ${u.id} namespace`] as const),
      [s.collector.namespace, 'the collector namespace'],
    ]);
    s.instrumentation.namespaces.forEach((ns, i) => {
      const why = platform.get(ns);
      if (why) at(ptr('spec', 'instrumentation', 'namespaces', i), 'instrumentation-namespace', `"${ns}" is ${why}; an Instrumentation there would inject SDKs into platform pods`, 'Remove it from spec.instrumentation.namespaces; list application namespaces only.');
    });
  }
  // Credentials pasted into pass-through Helm values: refused at their place in the environment file.
  // every component's pass-through values (its description)
  const passThrough = passThroughs().map((p) => p.at);
  const secret = (pointer: string, kind: string, value: string, preferKey = false) => {
    at(pointer, 'secret', `this looks like ${kind}: "${mask(value)}"; credentials never go into git`, 'Create a Secret in the cluster and reference it (existingSecret / extraEnvFrom / envFromSecret in the chart).', 'error', preferKey);
    // a token used as a key is never printed in full, not even in the path
    const d = out[out.length - 1];
    d.path = d.path.split('.').map((seg) => (credentialKind(undefined, seg) ? mask(seg) : seg)).join('.');
  };
  const walk = (value: unknown, pointer: string, key: string | undefined) => {
    if (typeof value === 'string') {
      const kind = credentialKind(key, value);
      if (kind) secret(pointer, kind, value);
    } else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${pointer}/${i}`, key));
    else if (isPlainObject(value)) {
      // an env var entry: {name: DB_PASSWORD, value: literal}
      const envValue = typeof value.name === 'string' && isEnvCredentialName(value.name) && typeof value.value === 'string' && !isPlaceholder(value.value);
      if (envValue) secret(`${pointer}/value`, `a literal value of env var ${value.name as string} (rule tracestack/env-credential)`, value.value as string);
      for (const [k, v] of Object.entries(value)) {
        const child = `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        // a token used as a map key
        const keyKind = credentialKind(undefined, k);
        if (keyKind) secret(child, keyKind, k, true);
        if (!(envValue && k === 'value')) walk(v, child, k);
      }
    }
  };
  for (const parts of passThrough) {
    const pointer = ptr('spec', ...parts);
    const value = pointer.split('/').slice(1).reduce<unknown>((o, k) => (isPlainObject(o) ? o[k] : undefined), loaded.document);
    walk(value, pointer, undefined);
  }
  return out;
}

/**
 * The shared defaults on their own: only one object-storage section, and that of their backend when they set one.
 * (An environment may choose another backend over them; see crossCheck.)
 */
export function checkDefaultsLayer(layer: DefaultsLayer): Diagnostic[] {
  const storage = (layer.spec.tempo as Record<string, any> | undefined)?.storage;
  if (!isPlainObject(storage) || !layer.source) return [];
  const sections = (['s3', 'gcs', 'azure'] as const).filter((b) => storage[b] !== undefined);
  const backend = typeof storage.backend === 'string' ? storage.backend : undefined;
  const stray = backend ? sections.filter((b) => b !== backend) : sections.slice(1);
  return stray.map((other) => {
    const pointer = ptr('spec', 'tempo', 'storage', other);
    const at = layer.source!.keys.get(pointer) ?? layer.source!.values.get(pointer) ?? { file: layer.source!.file, line: 1, column: 1 };
    const chosen = backend ?? sections[0];
    return {
      ...at,
      path: `spec.tempo.storage.${other}`,
      code: 'storage-backend',
      message: `spec.tempo.storage.${other} is set but the backend is ${chosen}: only the section of the chosen backend may be present`,
      suggestion: `Remove spec.tempo.storage.${other}, or set spec.tempo.storage.backend: ${other} (and remove spec.tempo.storage.${chosen}).`,
      severity: 'error' as const,
    };
  });
}

