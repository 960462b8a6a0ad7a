// Approvals: a model can require approval for a stage (usually Production). A transition into it
// becomes a pending request, which a deployer other than the requester approves (the move then
// happens through the normal transition, gates included) or rejects, each with a comment, all audited.
import type { Deps } from '../../deps.js';
import { AppError, conflict, invalid, notFound } from '../../errors.js';
import {
  SERVING_STAGES,
  canonicalStage,
  commit,
  requireModel,
  requireVersion,
  stageTarget,
  transitionStage,
  withModelNames,
  type PromotionAttempt,
  type PromotionCheck,
} from '../../registry/index.js';
import type { Db } from '../../db/tables.js';
import { decideApproval, findApproval, findPendingFor, findPolicy, insertApproval, listApprovals, upsertPolicy, type ApprovalRecord } from './approvals-store.js';

export interface ApprovalView {
  id: number;
  model: string;
  version: number;
  stage: string;
  archive_existing_versions: boolean;
  status: 'pending' | 'approved' | 'rejected';
  reason: string | null;
  requested_by: string;
  requested_at: string;
  decided_by: string | null;
  decided_at: string | null;
  comment: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

type ApprovalRow = ApprovalRecord & { model_name: string };

/** Requests with their model's name: a deleted model's requests keep theirs (they are its history). */
async function named(db: Db, rows: ApprovalRecord[]): Promise<ApprovalRow[]> {
  return withModelNames(db, rows, { includeDeleted: true });
}

async function namedApproval(db: Db, id: number): Promise<ApprovalRow | undefined> {
  const row = await findApproval(db, id);
  return row ? (await named(db, [row]))[0] : undefined;
}

function toView(r: ApprovalRow): ApprovalView {
  return {
    id: Number(r.id),
    model: r.model_name,
    version: r.version,
    stage: r.stage,
    archive_existing_versions: r.archive_existing === 1,
    status: r.status as ApprovalView['status'],
    reason: r.reason,
    requested_by: r.requested_by,
    requested_at: iso(r.requested_at)!,
    decided_by: r.decided_by,
    decided_at: iso(r.decided_at),
    comment: r.comment,
  };
}

export async function getApprovalPolicy(deps: Deps, modelName: string) {
  const model = await requireModel(deps.db, modelName);
  const row = await findPolicy(deps.db, model.id);
  return { name: model.name, stages: row ? (JSON.parse(row.stages) as string[]) : [], updated_at: iso(row?.updated_at ?? null), updated_by: row?.updated_by ?? null };
}

export async function setApprovalPolicy(deps: Deps, actor: string, modelName: string, input: { stages: string[] }) {
  const model = await requireModel(deps.db, modelName);
  const stages = [...new Set(input.stages.map((s) => canonicalStage(s)))];
  for (const s of stages) if (!(SERVING_STAGES as string[]).includes(s)) throw invalid(`approval applies to Staging or Production, not ${s}`);
  await commit(deps, async (trx, append) => {
    await upsertPolicy(trx, { model_id: model.id, stages: JSON.stringify(stages), updated_at: deps.clock.now(), updated_by: actor });
    await append({ actor, type: 'approval.policy_updated', model, details: { stages } });
  });
  return getApprovalPolicy(deps, modelName);
}

async function requiredStages(deps: Deps, modelId: string): Promise<string[]> {
  const row = await findPolicy(deps.db, modelId);
  return row ? (JSON.parse(row.stages) as string[]) : [];
}

export interface RequestInput {
  version: number;
  stage: string;
  reason?: string;
  archive_existing_versions?: boolean;
}

/** Opens a pending request (or returns the one already pending for the same version and stage). */
export async function requestApproval(deps: Deps, actor: string, modelName: string, input: RequestInput): Promise<ApprovalView> {
  const stage = canonicalStage(input.stage);
  const { model, row } = await requireVersion(deps.db, modelName, input.version);
  if (!(await requiredStages(deps, model.id)).includes(stage)) throw invalid(`"${modelName}" does not require approval for ${stage}; move the version directly`);
  if (row.stage === stage) throw conflict(`version ${input.version} is already in ${stage}`);
  const id = await commit(deps, async (trx, append) => {
    const pending = await findPendingFor(trx, model.id, input.version, stage);
    if (pending) return Number(pending.id);
    const id = await insertApproval(trx, {
      model_id: model.id,
      version: input.version,
      stage,
      archive_existing: input.archive_existing_versions ? 1 : 0,
      status: 'pending',
      reason: input.reason ?? null,
      requested_by: actor,
      requested_at: deps.clock.now(),
    });
    await append({ actor, type: 'approval.requested', model, version: input.version, target: stageTarget(stage), reason: input.reason ?? null, details: { approval_id: id } });
    return id;
  });
  return getApproval(deps, id);
}

export async function getApproval(deps: Deps, id: number): Promise<ApprovalView> {
  const row = await namedApproval(deps.db, id);
  if (!row) throw notFound(`no approval request ${id}`);
  return toView(row);
}

export async function listApprovalRequests(deps: Deps, q: { status?: string; model?: string; limit?: number }) {
  const modelId = q.model ? (await requireModel(deps.db, q.model)).id : undefined;
  const rows = await named(deps.db, await listApprovals(deps.db, { status: q.status, modelId, limit: q.limit ?? 100 }));
  return { approvals: rows.map(toView) };
}

async function pendingForDecision(deps: Deps, actor: string, id: number, verb: string): Promise<ApprovalRow> {
  const row = await namedApproval(deps.db, id);
  if (!row) throw notFound(`no approval request ${id}`);
  if (row.status !== 'pending') throw conflict(`approval request ${id} is already ${row.status} (by ${row.decided_by})`);
  // Four eyes: whoever asked cannot also say yes (or no) to their own request.
  if (row.requested_by === actor) throw new AppError('forbidden', `"${actor}" requested approval ${id} and cannot ${verb} it; another deployer must`);
  return row;
}

async function recordDecision(deps: Deps, actor: string, row: ApprovalRow, status: 'approved' | 'rejected', comment: string | null) {
  await commit(deps, async (trx, append) => {
    if (!(await decideApproval(trx, Number(row.id), { status, decided_by: actor, decided_at: deps.clock.now(), comment }))) {
      throw conflict(`approval request ${row.id} was decided concurrently`);
    }
    await append({
      actor,
      type: `approval.${status}`,
      model: { id: row.model_id, name: row.model_name },
      version: row.version,
      target: stageTarget(row.stage),
      reason: comment,
      details: { approval_id: Number(row.id), requested_by: row.requested_by },
    });
  });
}

export async function approve(deps: Deps, actor: string, id: number, comment?: string) {
  const row = await pendingForDecision(deps, actor, id, 'approve');
  // The move first: if the gates now refuse it, the request stays pending and nothing is recorded as approved.
  const moved = await transitionStage(deps, actor, row.model_name, row.version, {
    stage: row.stage,
    archive_existing_versions: row.archive_existing === 1,
    reason: `approval ${id} (requested by ${row.requested_by})${comment ? `: ${comment}` : ''}`,
    clearance: { approval_id: id },
  });
  await recordDecision(deps, actor, row, 'approved', comment ?? null);
  return { approval: await getApproval(deps, id), version: moved.version, archived_versions: moved.archived_versions };
}

export async function reject(deps: Deps, actor: string, id: number, comment?: string) {
  const row = await pendingForDecision(deps, actor, id, 'reject');
  await recordDecision(deps, actor, row, 'rejected', comment ?? null);
  return getApproval(deps, id);
}

/** The promotion check: a transition into a stage that needs approval opens a request and is refused. */
export const approvalCheck: PromotionCheck = {
  name: 'approval',
  order: 20,
  async check(deps: Deps, a: PromotionAttempt) {
    if (!(await requiredStages(deps, a.model.id)).includes(a.stage)) return;
    if (a.via === 'alias') {
      // An approval moves a version into a stage; an alias has none to open. The version earns it
      // through the stage first, and can then be aliased freely (it held the stage).
      throw conflict(
        `pointing ${a.target} at version ${a.row.version} of "${a.model.name}" needs the approval ${a.stage} requires: promote it through ${a.stage} first (a request will be opened), then set the alias`,
        { reason: 'approval_required' },
      );
    }
    const cleared = a.input.clearance?.approval_id;
    if (cleared !== undefined) {
      const row = await findApproval(deps.db, Number(cleared));
      if (row && row.status === 'pending' && row.model_id === a.model.id && row.version === a.row.version && row.stage === a.stage) return;
    }
    const req = await requestApproval(deps, a.actor, a.model.name, {
      version: a.row.version,
      stage: a.stage,
      reason: a.input.reason,
      archive_existing_versions: a.input.archive_existing_versions,
    });
    throw conflict(
      `version ${a.row.version} of "${a.model.name}" needs approval to enter ${a.stage}: request ${req.id} is pending; a deployer other than ${req.requested_by} must approve it (stagecraft approvals approve ${req.id})`,
      { reason: 'approval_required', approval_id: req.id },
    );
  },
};
