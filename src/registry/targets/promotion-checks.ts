// Promotion checks: what must hold before a version enters Staging or Production (validation gates,
// approvals). The kernel runs them on every promotion; the extensions that define them are listed
// in server.ts, so the kernel knows their contract and nothing of their internals.
import type { Deps } from '../deps.js';
import type { VersionRow } from '../versions/versions-store.js';
import type { Stage } from '../versions/versions.js';

export interface TransitionInput {
  stage: string;
  archive_existing_versions?: boolean;
  reason?: string;
  /** Promote even a version marked failed. */
  force?: boolean;
  /** Set by in-process callers that cleared a promotion check (an approved request, an admin override); never from a request body. */
  clearance?: Record<string, unknown>;
}

/** A version about to enter Staging or Production, as the promotion checks see it. */
export interface PromotionAttempt {
  actor: string;
  model: { id: string; name: string };
  row: VersionRow;
  stage: Stage;
  input: TransitionInput;
}

/**
 * A check that must pass before a version enters a serving stage (validation gates, approvals).
 * It refuses by throwing an AppError naming what failed. Extensions declare theirs (Extension.promotionChecks)
 * and buildServer collects them into deps.promotionChecks; lower `order` runs first. Rollback does not consult them: it returns to a
 * version that already served.
 */
export interface PromotionCheck {
  name: string;
  order: number;
  check(deps: Deps, attempt: PromotionAttempt): Promise<void>;
}
