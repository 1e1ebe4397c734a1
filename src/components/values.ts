import { deepMerge } from '../load/merge.js';

/** Rendered values with the user's pass-through `values` deep-merged on top (the user has the last word). */
export function withPassThrough(rendered: Record<string, unknown>, passThrough: Record<string, unknown> | undefined): Record<string, unknown> {
  return deepMerge(rendered, passThrough ?? {});
}

/** Argo CD ignoreDifferences for admission webhooks whose caBundle is injected at runtime. */
export function webhookCaBundleDiffs(withFailurePolicy: boolean): Array<Record<string, unknown>> {
  const paths = ['.webhooks[]?.clientConfig.caBundle', ...(withFailurePolicy ? ['.webhooks[]?.failurePolicy'] : [])];
  return [
    { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
    { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', jqPathExpressions: paths },
  ];
}
