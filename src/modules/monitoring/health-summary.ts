// One version's health at a glance, for `stagecraft health MODEL VERSION` and the UI: traffic,
// errors, latency and quality with label coverage (the same bounded database aggregates the guard
// uses), drift against the reference, the guard's last verdicts, and this process's live stats.
import type { Deps } from '../../deps.js';
import { measureDrift } from '../drift/drift-service.js';
import { readGuardState } from '../guard/guard-store.js';
import type { GuardState } from '../guard/guard.js';
import { measure } from '../guard/measure.js';
import { validateRule } from '../policies/policies.js';
import { findPolicy } from '../policies/policies-store.js';
import { loadVersionView } from '../versions/versions-service.js';
import { labelShape } from './records-aggregates.js';
import type { RollingStats } from './rolling-stats.js';

const CLASSIFICATION = ['accuracy', 'precision', 'recall', 'f1'] as const;

export async function versionHealth(deps: Deps, live: RollingStats | null, modelName: string, version: number, windowSeconds: number) {
  const view = await loadVersionView(deps.db, modelName, version);
  const now = deps.clock.now();
  const from = now - windowSeconds * 1000;
  const policy = await findPolicy(deps.db, modelName);
  const labelRule = policy?.rules.find((r) => (CLASSIFICATION as readonly string[]).includes(r.metric));
  const get = async (metric: string) =>
    measure(deps, modelName, version, validateRule({ metric, min: 0, min_samples: 1, window_seconds: windowSeconds, threshold: labelRule?.threshold ?? 0.5, positive_label: labelRule?.positive_label ?? 1 }, 0), now);
  const errors = await get('error_rate');
  const latency = await get('latency_p99_ms');
  const shape = await labelShape(deps.db, { model: modelName, version, from, to: now + 1 });
  // Numeric labels with more than two values are a regression target; otherwise classification.
  const regression = shape.textLabels === 0 && shape.numericLabels > 2;
  const quality: Record<string, number | null> = { labeled: shape.labeled, label_coverage: shape.coverage };
  for (const metric of regression ? ['mae', 'rmse'] : CLASSIFICATION) quality[metric] = shape.labeled ? (await get(metric)).value : null;
  const guard = policy ? await readGuardState<GuardState>(deps.db, modelName) : null;
  return {
    model: modelName,
    version,
    stage: view.stage,
    health: view.health,
    health_reason: view.health_reason ?? null,
    window_seconds: windowSeconds,
    requests: errors.samples,
    error_rate: errors.value,
    latency_p99_ms: latency.value,
    quality,
    drift: await measureDrift(deps, modelName, version, from, now + 1),
    guard: guard && guard.version === version ? { status: guard.status, last_evaluated: guard.last_evaluated ? new Date(guard.last_evaluated).toISOString() : null, results: guard.results } : null,
    live: live ? live.summary(modelName, version, now, windowSeconds * 1000) : null,
  };
}
