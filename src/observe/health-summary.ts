// One version's health at a glance, for `stagecraft health MODEL VERSION` and the UI: traffic,
// errors, latency and quality with label coverage (the same bounded database aggregates the guard
// uses), drift against the reference, the guard's last verdicts, and this process's live stats.
import type { Deps } from '../deps.js';
import { measureDrift } from './drift/drift-service.js';
import { listEvents, loadVersion } from '../registry/index.js';
import { findGuardState } from './guard/guard-service.js';
import { measure } from './guard/measure.js';
import { classificationOptions, CLASSIFICATION_METRICS, validateRule } from './policies/policies.js';
import { findModelPolicy } from './policies/policies-service.js';
import { windowLabels } from './records/records-service.js';
import type { RollingStats } from './rolling-stats.js';

export async function versionHealth(deps: Deps, live: RollingStats | null, modelName: string, version: number, windowSeconds: number) {
  const { model, view } = await loadVersion(deps.db, modelName, version);
  const now = deps.clock.now();
  const from = now - windowSeconds * 1000;
  const policy = await findModelPolicy(deps, modelName);
  const cls = classificationOptions(policy);
  const get = async (metric: string) =>
    measure(deps, modelName, version, validateRule({ metric, min: 0, min_samples: 1, window_seconds: windowSeconds, threshold: cls.threshold, positive_label: cls.positiveLabel }, 0), now, policy?.label_sources ?? null);
  const errors = await get('error_rate');
  const latency = await get('latency_p99_ms');
  const overload = await get('shed_rate');
  // Quality counts the labels the guard counts: the policy's label_sources when it names any.
  const shape = await windowLabels(deps, { model: modelName, version, from, to: now + 1, labelSources: policy?.label_sources ?? null });
  // Numeric labels with more than two values are a regression target; otherwise classification.
  const regression = shape.textLabels === 0 && shape.numericLabels > 2;
  const quality: Record<string, number | null> = { labeled: shape.labeled, label_coverage: shape.coverage };
  for (const metric of regression ? ['mae', 'rmse'] : CLASSIFICATION_METRICS) quality[metric] = shape.labeled ? (await get(metric)).value : null;
  const guard = policy ? await findGuardState(deps, modelName) : null;
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
    // Requests answered 503 without a run (load-shed, queue timeout) among all that reached it.
    shed_rate: overload.value,
    quality,
    drift: await measureDrift(deps, modelName, version, from, now + 1),
    guard: guard && guard.version === version ? { status: guard.status, last_evaluated: guard.last_evaluated ? new Date(guard.last_evaluated).toISOString() : null, results: guard.results } : null,
    guard_actions: await guardActions(deps, model.id, version),
    live: live ? live.summary(modelName, version, now, windowSeconds * 1000) : null,
  };
}

/**
 * What the guard did about this version, newest first: its alerts and the rollbacks that marked it
 * failed, with their evidence. The guard's own state follows the version in Production, so after a
 * rollback this is where a post-mortem finds why the version was failed.
 */
async function guardActions(deps: Deps, modelId: string, version: number) {
  const { events } = await listEvents(deps, { modelId, types: ['version.health_changed', 'guard.alert'], order: 'desc', limit: 500 });
  return events
    .filter((e) => e.actor === 'guard' && e.version === version)
    .slice(0, 5)
    // A rollback's health change carries the evidence under `evidence`; an alert is the evidence.
    .map((e) => ({ time: e.time, type: e.type, reason: e.reason, evidence: (e.type === 'guard.alert' ? e.details : (e.details.evidence ?? null)) as Record<string, unknown> | null }));
}
