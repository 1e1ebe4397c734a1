import { defineComponent, type K8sObject } from '../types.js';

const WAVES = { instrumentation: 20 } as const;
import type { Environment } from '../../model.js';
import type { Names } from '../names.js';

/** The Instrumentation every application namespace gets; a team may override the sampler ratio. */
export function instrumentationObject(env: Environment, names: Names, samplerArgument?: number): K8sObject {
  const i = env.spec.instrumentation;
  return {
    apiVersion: 'opentelemetry.io/v1alpha1',
    kind: 'Instrumentation',
    metadata: { name: i.name },
    spec: {
      // http/protobuf on 4318 is the default protocol of the Java 2.x, Node.js, Python, .NET and Go SDKs.
      exporter: { endpoint: names.collectorOtlpHttpEndpoint },
      propagators: i.propagators,
      sampler: { type: i.sampler.type, argument: String(samplerArgument ?? i.sampler.argument) },
    },
  };
}

/** An Instrumentation per application namespace: context propagation and SDK export to the collector. */
export const instrumentation = defineComponent({
  id: 'instrumentation',
  specKey: 'instrumentation',
  waves: WAVES,
  provides: ['instrumentation'],
  // a team deploying its own Instrumentation could change its auto-instrumentation (and the endpoint it exports to)
  teamForbiddenKinds: [{ group: 'opentelemetry.io', kind: 'Instrumentation' }],
  units(env, names) {
    const i = env.spec.instrumentation;
    if (!i.enabled || i.namespaces.length === 0) return [];
    return [
      {
        kind: 'kustomize',
        id: 'instrumentation',
        namespace: i.namespaces[0],
        targetNamespaces: [...i.namespaces].sort(),
        wave: WAVES.instrumentation, // before the apps: injection happens only when a pod is created
        needs: ['otel-operator', 'collector'],
        syncOptions: ['SkipDryRunOnMissingResource=true'],
        objects: [instrumentationObject(env, names)],
      },
    ];
  },
});
