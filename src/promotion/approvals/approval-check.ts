// The approvals' promotion check. Two doors into it, one rule per model:
// - check(): a version entering a stage the model's policy names opens a request and is refused (409);
// - protectedChange(): on a protected model, every change of Production a person asks for — into it,
//   out of it, a rollback of it — does the same (the kernel calls it after the gates: targets/protected.ts).
// An approved request carries its clearance back through the same path, which lets exactly that change through.
import type { Deps } from '../../deps.js';
import { conflict } from '../../errors.js';
import { isProtected, requireModel, type PromotionAttempt, type PromotionCheck, type ProtectedChange } from '../../registry/index.js';
import { clears, getApproval, openRequest, requestApproval, requiredStages } from './approvals-service.js';

/** The refusal every door answers for a change that waits: 409, reason approval_required, the request id and the command. */
function pending(message: string, id: number, requestedBy: string, kind: string) {
  return conflict(`${message}: request ${id} is pending; a deployer other than ${requestedBy} must approve it (stagecraft approvals approve ${id})`, {
    reason: 'approval_required',
    approval_id: id,
    kind,
  });
}

async function check(deps: Deps, a: PromotionAttempt): Promise<void> {
  const stages = await requiredStages(deps, a.model.id);
  if (a.via === 'alias') {
    // On a protected model an alias may only point at what entered Production with an approval.
    const required = stages.includes(a.stage) || (a.stage === 'Production' && isProtected(await requireModel(deps.db, a.model.name)));
    if (!required) return;
    // An approval moves a version into a stage; an alias has none to open. The version earns it
    // through the stage first, and can then be aliased freely (it held the stage).
    throw conflict(
      `pointing ${a.target} at version ${a.row.version} of "${a.model.name}" needs the approval ${a.stage} requires: promote it through ${a.stage} first (a request will be opened), then set the alias`,
      { reason: 'approval_required' },
    );
  }
  if (!stages.includes(a.stage)) return;
  if (await clears(deps, a.input.clearance, { modelId: a.model.id, kind: 'transition', version: a.row.version, stage: a.stage })) return;
  const req = await requestApproval(deps, a.actor, a.model.name, {
    version: a.row.version,
    stage: a.stage,
    reason: a.input.reason,
    archive_existing_versions: a.input.archive_existing_versions,
  });
  throw pending(`version ${a.row.version} of "${a.model.name}" needs approval to enter ${a.stage}`, req.id, req.requested_by, 'transition');
}

async function protectedChange(deps: Deps, c: ProtectedChange): Promise<void> {
  const fromVersion = c.kind === 'rollback' ? c.from_version : null;
  if (await clears(deps, c.clearance, { modelId: c.model.id, kind: c.kind, version: c.version, stage: c.stage, from_version: fromVersion })) return;
  const id = await openRequest(deps, c.actor, c.model, { kind: c.kind, version: c.version, stage: c.stage, from_version: fromVersion, reason: c.reason, archive: c.archive_existing_versions });
  const req = await getApproval(deps, id);
  const what =
    c.kind === 'rollback'
      ? `rolling back Production from version ${c.from_version} to version ${c.version}`
      : `moving version ${c.version} ${c.stage === 'Production' ? 'into Production' : `out of Production (to ${c.stage})`}`;
  throw pending(`"${c.model.name}" is protected: ${what} needs a second deployer's approval`, id, req.requested_by, c.kind);
}

/** Approvals as a promotion check (order 20: after the validation gates). */
export const approvalCheck: PromotionCheck = { name: 'approval', order: 20, check, protectedChange };
