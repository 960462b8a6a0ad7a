// Approvals: a model can require approval for a stage (usually Production). A transition into it
// becomes a pending request, which a deployer other than the requester approves (the move then
// happens through the normal transition, gates included) or rejects, each with a comment, all audited.
// A protected model requires it for every change of Production a person asks for: into it, out of
// it, and rollbacks (approval-check.ts); an approved rollback request runs the kernel's rollback.
import type { Deps } from '../../deps.js';
import { AppError, conflict, invalid, notFound } from '../../errors.js';
import {
  SERVING_STAGES,
  canonicalStage,
  commit,
  isProtected,
  loadVersionView,
  requireModel,
  requireVersion,
  rollback,
  stageTarget,
  transitionStage,
  withModelNames,
} from '../../registry/index.js';
import type { Db } from '../../db/tables.js';
import { decideApproval, findApproval, findPendingFor, findPolicy, insertApproval, listApprovals, upsertPolicy, type ApprovalRecord } from './approvals-store.js';

export type ApprovalKind = 'transition' | 'rollback';

export interface ApprovalView {
  id: number;
  kind: ApprovalKind;
  model: string;
  /** The version that moves; for a rollback, the destination. */
  version: number;
  stage: string;
  /** A rollback's: the version it replaces. */
  from_version: number | null;
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
    kind: r.kind as ApprovalKind,
    model: r.model_name,
    version: r.version,
    stage: r.stage,
    from_version: r.from_version,
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

export async function requiredStages(deps: Deps, modelId: string): Promise<string[]> {
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
  // A protected model's Production changes, either way, need one; otherwise the policy's stages do.
  const protectedMove = isProtected(model) && (row.stage === 'Production' || stage === 'Production');
  if (!protectedMove && !(await requiredStages(deps, model.id)).includes(stage)) throw invalid(`"${modelName}" does not require approval for ${stage}; move the version directly`);
  if (row.stage === stage) throw conflict(`version ${input.version} is already in ${stage}`);
  return getApproval(deps, await openRequest(deps, actor, model, { kind: 'transition', version: input.version, stage, from_version: null, reason: input.reason ?? null, archive: !!input.archive_existing_versions }));
}

/** Inserts a pending request and its event, unless the same one is pending already; its id. */
export async function openRequest(
  deps: Deps,
  actor: string,
  model: { id: string; name: string },
  r: { kind: ApprovalKind; version: number; stage: string; from_version: number | null; reason: string | null; archive: boolean },
): Promise<number> {
  return commit(deps, async (trx, append) => {
    const pending = await findPendingFor(trx, model.id, r.version, r.stage, r.kind, r.from_version);
    if (pending) return Number(pending.id);
    const id = await insertApproval(trx, {
      model_id: model.id,
      version: r.version,
      stage: r.stage,
      archive_existing: r.archive ? 1 : 0,
      status: 'pending',
      reason: r.reason,
      requested_by: actor,
      requested_at: deps.clock.now(),
      kind: r.kind,
      from_version: r.from_version,
    });
    const details = { approval_id: id, kind: r.kind, ...(r.from_version !== null ? { from_version: r.from_version } : {}) };
    await append({ actor, type: 'approval.requested', model, version: r.version, target: stageTarget(r.stage), reason: r.reason, details });
    return id;
  });
}

/** Whether `clearance` names a pending request for exactly this change (an approval being carried out). */
export async function clears(deps: Deps, clearance: Record<string, unknown> | undefined, c: { modelId: string; kind: ApprovalKind; version: number; stage: string; from_version?: number | null }): Promise<boolean> {
  const cleared = clearance?.approval_id;
  if (cleared === undefined) return false;
  const row = await findApproval(deps.db, Number(cleared));
  if (!row || row.status !== 'pending' || row.model_id !== c.modelId || row.kind !== c.kind || row.version !== c.version || row.stage !== c.stage) return false;
  return c.from_version === undefined || row.from_version === c.from_version;
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
  if (row.kind === 'rollback') return approveRollback(deps, actor, row, comment);
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

/**
 * Carries out an approved rollback request: the kernel's rollback, to the destination the requester
 * saw, from the version they saw serving (409 if Production moved since: the request stays pending,
 * for someone to reject). The approver is the actor; the reason names both people.
 */
async function approveRollback(deps: Deps, actor: string, row: ApprovalRow, comment?: string) {
  const id = Number(row.id);
  const done = await rollback(
    deps,
    actor,
    row.model_name,
    {
      stage: row.stage,
      to_version: row.version,
      from_version: row.from_version ?? undefined,
      reason: `${row.reason ?? 'rollback'} (approval ${id}: requested by ${row.requested_by}, approved by ${actor}${comment ? `: ${comment}` : ''})`,
    },
    {},
    { clearance: { approval_id: id } },
  );
  await recordDecision(deps, actor, row, 'approved', comment ?? null);
  return {
    approval: await getApproval(deps, id),
    version: await loadVersionView(deps.db, row.model_name, row.version),
    archived_versions: done.archived_versions,
    rollback: { from_version: done.from_version, to_version: done.to_version, event_id: done.event_id },
  };
}
