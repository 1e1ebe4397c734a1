/**
 * The environment the opentelemetry-operator gives a collector container, for running a rendered
 * OpenTelemetryCollector's config outside Kubernetes (`${env:NAME}` in the config resolves from it).
 *
 * opentelemetry-operator v0.158.0 internal/manifests/collector/container.go getContainerEnvVars: spec.env as written,
 * then the inferred variables spec.env does not name, among them POD_NAME from fieldRef metadata.name
 * (getInferredContainerEnvVars). Here fieldRef metadata.name and metadata.namespace resolve to the given pod name
 * and namespace and a literal `value` to itself; any other source is not modelled and throws.
 */
export function collectorEnv(spec: { env?: Array<Record<string, any>> } | undefined, pod: { name: string; namespace: string }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of spec?.env ?? []) {
    const field = e.valueFrom?.fieldRef?.fieldPath;
    if (typeof e.value === 'string') out[e.name] = e.value;
    else if (field === 'metadata.name') out[e.name] = pod.name;
    else if (field === 'metadata.namespace') out[e.name] = pod.namespace;
    else throw new Error(`collector env ${e.name}: source ${JSON.stringify(e.valueFrom ?? e)} is not modelled`);
  }
  if (!('POD_NAME' in out)) out.POD_NAME = pod.name; // inferred by the operator unless spec.env names it
  return out;
}
