// The only SQL for the grants table, and its row type.
import type { Generated } from 'kysely';
import type { Db } from '../../db/tables.js';

export interface GrantsTable {
  id: Generated<number>;
  principal_type: string;
  principal_name: string;
  scope: string;
  role: string;
  created_by: string;
  created_at: number;
}

declare module '../../db/tables.js' {
  interface Database {
    grants: GrantsTable;
  }
}

export async function listGrantRows(db: Db) {
  return db
    .selectFrom('grants')
    .select(['id', 'principal_type', 'principal_name', 'scope', 'role', 'created_by', 'created_at'])
    .orderBy('id')
    .execute();
}

/** A cheap fingerprint of the table: any add changes max(id), any remove changes the count. */
export async function grantsFingerprint(db: Db): Promise<string> {
  const row = await db
    .selectFrom('grants')
    .select((eb) => [eb.fn.max('id').as('max'), eb.fn.countAll().as('n')])
    .executeTakeFirst();
  return `${row?.max ?? 0}/${row?.n ?? 0}`;
}

export async function insertGrant(
  db: Db,
  row: { principal_type: string; principal_name: string; scope: string; role: string; created_by: string; created_at: number },
): Promise<number> {
  const out = await db.insertInto('grants').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(out.id);
}

export async function findGrant(db: Db, id: number) {
  return db
    .selectFrom('grants')
    .select(['id', 'principal_type', 'principal_name', 'scope', 'role', 'created_by', 'created_at'])
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function deleteGrant(db: Db, id: number): Promise<boolean> {
  const res = await db.deleteFrom('grants').where('id', '=', id).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}
