// Serving targets (a stage or an alias of one model) carry a revision. A move reads the revision
// first and claims it conditionally inside its transaction: two concurrent moves of one target
// cannot both win — the second finds the revision changed and gets 409, changing nothing.
import { preparedQuery } from '../../db/prepared-query.js';
import type { Db } from '../../db/tables.js';
import { conflict } from '../../errors.js';

/** A serving target (stage or alias) with a revision: moves are conditional on the revision they read. */
export interface TargetsTable {
  model_id: string;
  target: string;
  revision: number;
}

declare module '../../db/tables.js' {
  interface Database {
    targets: TargetsTable;
  }
}

export interface TargetRevision {
  target: string;
  /** null when the target has never moved (no row yet). */
  revision: number | null;
}

// Prepared (db/prepared-query.ts); the model by a subquery, so it can run beside the read of the model.
const revisionsOfNamed = preparedQuery((db, p: { name: string }) =>
  db
    .selectFrom('targets')
    .select(['target', 'revision'])
    .where('model_id', '=', (eb) => eb.selectFrom('models').select('id').where('name', '=', p.name).where('deleted_at', 'is', null)),
);

/** Every target's revision of the live model `name` (targets that never moved have none), in one query. */
export async function revisionsOfModelNamed(db: Db, name: string): Promise<Map<string, number>> {
  return new Map((await revisionsOfNamed(db, { name })).map((r) => [r.target, Number(r.revision)]));
}

export async function readRevision(db: Db, modelId: string, target: string): Promise<TargetRevision> {
  const row = await db
    .selectFrom('targets')
    .select('revision')
    .where('model_id', '=', modelId)
    .where('target', '=', target)
    .executeTakeFirst();
  return { target, revision: row ? Number(row.revision) : null };
}

/**
 * Claims the targets at the revisions read. Call first in the transaction: on PostgreSQL the row
 * lock makes a concurrent claimer wait and then fail, so nothing it wrote before can interleave.
 * Targets are claimed in name order so two transactions never wait on each other in a cycle.
 * Answers the revisions the targets are at after the claim (what the move's ETag names).
 */
export async function claimTargets(db: Db, modelId: string, reads: TargetRevision[]): Promise<Array<{ target: string; revision: number }>> {
  const claimed: Array<{ target: string; revision: number }> = [];
  for (const read of [...reads].sort((a, b) => a.target.localeCompare(b.target))) {
    claimed.push({ target: read.target, revision: (read.revision ?? 0) + 1 });
    if (read.revision === null) {
      // Unique violation here surfaces as 409 through commit()'s onUniqueViolation.
      await db.insertInto('targets').values({ model_id: modelId, target: read.target, revision: 1 }).execute();
      continue;
    }
    const res = await db
      .updateTable('targets')
      .set({ revision: read.revision + 1 })
      .where('model_id', '=', modelId)
      .where('target', '=', read.target)
      .where('revision', '=', read.revision)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw movedConcurrently(read.target);
  }
  return claimed;
}

export function movedConcurrently(target: string) {
  return conflict(`${target} was changed by another request at the same time; nothing was changed, re-read and retry`, {
    reason: 'concurrent_change',
  });
}

/**
 * Lets every request that arrived together read its revision before any of them claims. On SQLite
 * the driver is synchronous, so without this one request could run start to finish before another
 * that arrived at the same moment even reads — and two "concurrent" rollbacks would both apply,
 * rolling back twice. One macrotask makes them conflict exactly as they do on PostgreSQL.
 */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
