// The answers of the two monitoring routes whose OpenAPI leaves the body open: the drift route
// documents none, the monitoring route only model, version and health. Declared once here, as the
// CLI reads them, until those routes' response schemas describe them (that changes the OpenAPI).
// The server builds them in src/observe/health-summary.ts and src/observe/drift/drift-service.ts.
import type { OkBody } from '../../sdk/client.js';

export interface FeatureDrift {
  feature: string;
  method: string;
  score: number;
  threshold: number;
  drifted: boolean;
  psi: number;
}

/** GET /api/v1/models/{name}/versions/{version}/drift, and a version health's `drift`. */
export interface DriftReport {
  features: FeatureDrift[];
  prediction: FeatureDrift | null;
  drifted_features: number;
  drift_share: number | null;
  dataset_drift: boolean;
  rows: number;
}

export interface GuardRuleResult {
  /** 0-based index of the rule in the policy. */
  rule: number;
  metric: string;
  verdict: string;
  value: number | null;
  samples: number;
  detail: string;
}

/** GET /api/v1/models/{name}/versions/{version}/monitoring. */
export type VersionHealth = OkBody<'/api/v1/models/{name}/versions/{version}/monitoring', 'get'> & {
  stage: string;
  health_reason: string | null;
  window_seconds: number;
  requests: number;
  error_rate: number | null;
  latency_p99_ms: number | null;
  /** labeled, label_coverage and the label metrics of the version's task (accuracy… or mae, rmse). */
  quality: Record<string, number | null>;
  drift: DriftReport | null;
  guard: { status: string; last_evaluated: string | null; results: GuardRuleResult[] } | null;
  /** Read as optional: absent means the guard did nothing about this version. */
  guard_actions?: Array<{ time: string; type: string; reason: string | null }>;
};
