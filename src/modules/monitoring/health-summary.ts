// One version's health at a glance, for `stagecraft health MODEL VERSION` and the UI: live stats
// from this process, quality and drift from the retained records, and the guard's last verdicts.
import type { Deps } from '../../deps.js';
import { measureDrift } from '../drift/drift-service.js';
import { readGuardState } from '../guard/guard-store.js';
import type { GuardState } from '../guard/guard.js';
import { p99, QUALITY_ROW_CAP } from '../guard/measure.js';
import { findPolicy } from '../policies/policies-store.js';
import { loadVersionView } from '../versions/versions-service.js';
import { classificationQuality, regressionQuality } from './quality.js';
import { queryRecords } from './records-store.js';
import type { RollingStats } from './rolling-stats.js';

export async function versionHealth(deps: Deps, live: RollingStats | null, modelName: string, version: number, windowSeconds: number) {
  const view = await loadVersionView(deps.db, modelName, version);
  const now = deps.clock.now();
  const from = now - windowSeconds * 1000;
  const rows = await queryRecords(deps.db, { model: modelName, version, from, to: now + 1, limit: QUALITY_ROW_CAP });
  const reqs = rows.filter((r) => r.row === 0);
  const served = reqs.filter((r) => r.outcome !== 'client_error');
  const ok = rows.filter((r) => r.outcome === 'ok');
  const labeled = ok.filter((r) => r.label !== null);
  const policy = await findPolicy(deps.db, modelName);
  const rule = policy?.rules.find((r) => ['recall', 'accuracy', 'precision', 'f1'].includes(r.metric));
  const numericLabels = labeled.length > 0 && labeled.every((r) => typeof r.label === 'number' && !Number.isInteger(r.label));
  const quality = numericLabels ? regressionQuality(labeled) : classificationQuality(labeled, { threshold: rule?.threshold ?? 0.5, positiveLabel: rule?.positive_label ?? 1 });
  const guard = policy ? await readGuardState<GuardState>(deps.db, modelName) : null;
  return {
    model: modelName,
    version,
    stage: view.stage,
    health: view.health,
    health_reason: view.health_reason ?? null,
    window_seconds: windowSeconds,
    requests: reqs.length,
    client_errors: reqs.filter((r) => r.outcome === 'client_error').length,
    model_errors: served.filter((r) => r.outcome === 'model_error').length,
    error_rate: served.length ? served.filter((r) => r.outcome === 'model_error').length / served.length : null,
    latency_p99_ms: p99(served.map((r) => r.latency_ms)),
    quality: { ...quality, predictions: ok.length, label_coverage: ok.length ? labeled.length / ok.length : null },
    drift: await measureDrift(deps, modelName, version, from, now + 1),
    guard: guard && guard.version === version ? { status: guard.status, last_evaluated: guard.last_evaluated ? new Date(guard.last_evaluated).toISOString() : null, results: guard.results } : null,
    live: live ? live.summary(modelName, version, now, windowSeconds * 1000) : null,
  };
}
