// The only SQL for the guard's lease and per-model state, with their row types (migration 0004).
import type { Db } from '../../db/tables.js';

export interface MonGuardStateTable {
  model: string;
  state: string;
  updated_at: number;
}

export interface MonLeasesTable {
  name: string;
  holder: string;
  expires_at: number;
}

declare module '../../db/tables.js' {
  interface Database {
    mon_guard_state: MonGuardStateTable;
    mon_leases: MonLeasesTable;
  }
}

/**
 * Takes or renews the named lease for `holder` until now + ttl. The conditional update is atomic in
 * both databases, and the insert of a missing row races on the primary key, so at any instant at
 * most one holder has the lease: with several registry servers, exactly one guard acts.
 */
export async function acquireLease(db: Db, name: string, holder: string, now: number, ttlMs: number, isUniqueViolation: (e: unknown) => boolean): Promise<boolean> {
  const res = await db
    .updateTable('mon_leases')
    .set({ holder, expires_at: now + ttlMs })
    .where('name', '=', name)
    .where((eb) => eb.or([eb('holder', '=', holder), eb('expires_at', '<', now)]))
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) > 0) return true;
  const exists = await db.selectFrom('mon_leases').select('holder').where('name', '=', name).executeTakeFirst();
  if (exists) return false;
  try {
    await db.insertInto('mon_leases').values({ name, holder, expires_at: now + ttlMs }).execute();
    return true;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

export async function releaseLease(db: Db, name: string, holder: string): Promise<void> {
  await db.deleteFrom('mon_leases').where('name', '=', name).where('holder', '=', holder).execute();
}

export async function readGuardState<T>(db: Db, model: string): Promise<T | null> {
  const row = await db.selectFrom('mon_guard_state').select('state').where('model', '=', model).executeTakeFirst();
  return row ? (JSON.parse(row.state) as T) : null;
}

export async function writeGuardState(db: Db, model: string, state: unknown, now: number): Promise<void> {
  const text = JSON.stringify(state);
  await db
    .insertInto('mon_guard_state')
    .values({ model, state: text, updated_at: now })
    .onConflict((oc) => oc.column('model').doUpdateSet({ state: text, updated_at: now }))
    .execute();
}

/** Every model's guard state (one row per model with a policy the guard has evaluated). */
export async function listGuardStates<T>(db: Db): Promise<Array<{ model: string; state: T }>> {
  const rows = await db.selectFrom('mon_guard_state').select(['model', 'state']).orderBy('model').execute();
  return rows.map((r) => ({ model: r.model, state: JSON.parse(r.state) as T }));
}
