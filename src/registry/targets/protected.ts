// Protected models: every change of Production a person asks for — a transition into or out of it,
// a rollback of it — waits for a second deployer's approval. The kernel only decides that a change is
// one (protected model, Production, a person); holding it for approval is the approvals extension's
// (PromotionCheck.protectedChange). The guard's automatic rollback never waits: a bad model must not
// wait for a second person; it goes through and is reported (rollback.ts, `approval.bypassed`).
import type { Deps, ProtectedChange } from '../deps.js';
import { conflict } from '../../errors.js';

export function isProtected(model: { protected?: number | null }): boolean {
  return Number(model.protected) === 1;
}

/** Lets a person's change of Production on a protected model through only when an approval clears it. */
export async function checkProtectedChange(deps: Deps, model: { protected?: number | null }, change: ProtectedChange): Promise<void> {
  if (!isProtected(model)) return;
  const holders = deps.promotionChecks.filter((c) => c.protectedChange);
  if (holders.length === 0) {
    // No approvals on this server: refuse rather than let a protected model change unreviewed.
    throw conflict(
      `"${change.model.name}" is protected: a change of Production needs a second deployer's approval, and this server runs without approvals; an admin can clear the setting (stagecraft models unprotect ${change.model.name})`,
      { reason: 'approval_required' },
    );
  }
  for (const c of holders) await c.protectedChange!(deps, change);
}
