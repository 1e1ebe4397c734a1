/** A migration between two versions of an environment, for the PR summary: what changes, what the user does by hand. */
export interface MigrationNote {
  env: string;
  /** e.g. "edge ingress-nginx -> istio-gateway" */
  title: string;
  /** What the regenerated output changes (Markdown, one item each). */
  changes: string[];
  /** What tracestack does not do and the user must (Markdown, one item each). */
  manual: string[];
  /** Where the runbook is. */
  see?: string;
}
