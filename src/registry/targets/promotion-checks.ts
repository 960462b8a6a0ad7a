// Promotion checks: what must hold before a version enters Staging or Production (validation gates,
// approvals). The kernel runs them on every promotion; the extensions that define them are listed
// in server.ts, so the kernel knows their contract (deps.ts, beside the Deps that carries them) and
// nothing of their internals.
import type { Deps, PromotionAttempt } from '../deps.js';
import { SERVING_STAGES } from '../versions/versions.js';

/** Runs every check, lowest order first, when the version enters a serving stage it is not in yet. */
export async function runPromotionChecks(deps: Deps, attempt: PromotionAttempt): Promise<void> {
  if (attempt.row.stage === attempt.stage || !(SERVING_STAGES as string[]).includes(attempt.stage)) return;
  const checks = [...deps.promotionChecks].sort((a, b) => a.order - b.order);
  for (const c of checks) await c.check(deps, attempt);
}
