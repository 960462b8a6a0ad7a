// The only SQL for approval policies and approval requests.
import type { Db } from '../../db/tables.js';
import type { Generated, Selectable } from 'kysely';

// The tables of migration 0005 (0020 added kind and from_version) that approvals own, merged into the shared Database interface.
export interface PromoApprovalPoliciesTable {
  model_id: string;
  /** JSON array of stages that need approval. */
  stages: string;
  updated_at: number;
  updated_by: string;
}

export interface PromoApprovalsTable {
  id: Generated<number>;
  model_id: string;
  version: number;
  stage: string;
  archive_existing: number;
  status: string;
  reason: string | null;
  requested_by: string;
  requested_at: number;
  decided_by: string | null;
  decided_at: number | null;
  comment: string | null;
  /** 'transition' (a version into or out of a stage) or 'rollback' (of a protected model's Production). */
  kind: Generated<string>;
  /** A rollback's: the version it replaces, as the requester saw it serving. Null for a transition. */
  from_version: number | null;
}

declare module '../../db/tables.js' {
  interface Database {
    promo_approval_policies: PromoApprovalPoliciesTable;
    promo_approvals: PromoApprovalsTable;
  }
}

export async function findPolicy(db: Db, modelId: string) {
  return db.selectFrom('promo_approval_policies').selectAll().where('model_id', '=', modelId).executeTakeFirst();
}

export async function upsertPolicy(db: Db, row: PromoApprovalPoliciesTable) {
  await db
    .insertInto('promo_approval_policies')
    .values(row)
    .onConflict((oc) => oc.column('model_id').doUpdateSet({ stages: row.stages, updated_at: row.updated_at, updated_by: row.updated_by }))
    .execute();
}

/** An approval request as stored (the service adds its model's name). */
export type ApprovalRecord = Selectable<PromoApprovalsTable>;

export async function findApproval(db: Db, id: number): Promise<ApprovalRecord | undefined> {
  return db.selectFrom('promo_approvals').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The pending request for the same change, if any: asking twice does not pile up requests. */
export async function findPendingFor(
  db: Db,
  modelId: string,
  version: number,
  stage: string,
  kind: 'transition' | 'rollback' = 'transition',
  fromVersion: number | null = null,
): Promise<ApprovalRecord | undefined> {
  let q = db
    .selectFrom('promo_approvals')
    .selectAll()
    .where('model_id', '=', modelId)
    .where('version', '=', version)
    .where('stage', '=', stage)
    .where('kind', '=', kind)
    .where('status', '=', 'pending');
  if (fromVersion !== null) q = q.where('from_version', '=', fromVersion);
  return q.executeTakeFirst();
}

export async function listApprovals(db: Db, q: { status?: string; modelId?: string; limit: number }): Promise<ApprovalRecord[]> {
  let query = db.selectFrom('promo_approvals').selectAll();
  if (q.status) query = query.where('status', '=', q.status);
  if (q.modelId) query = query.where('model_id', '=', q.modelId);
  return query.orderBy('id', 'desc').limit(q.limit).execute();
}

/**
 * A new request as the service files it: the table's row without what the database or the decision fills in
 * (id, decided_*, comment); kind narrowed to the two kinds the service knows, defaulting to 'transition'.
 */
export type NewApproval = Omit<PromoApprovalsTable, 'id' | 'decided_by' | 'decided_at' | 'comment' | 'kind' | 'from_version'> &
  Partial<Pick<PromoApprovalsTable, 'from_version'>> & { kind?: 'transition' | 'rollback' };

export async function insertApproval(db: Db, row: NewApproval): Promise<number> {
  const r = await db.insertInto('promo_approvals').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

/** Conditional on the request still being pending: two deciders cannot both win. */
export async function decideApproval(db: Db, id: number, patch: { status: string; decided_by: string; decided_at: number; comment: string | null }): Promise<boolean> {
  const r = await db.updateTable('promo_approvals').set(patch).where('id', '=', id).where('status', '=', 'pending').executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
