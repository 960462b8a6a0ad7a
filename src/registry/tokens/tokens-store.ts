// The only SQL for the tokens table, and its row type. Tokens are stored as sha256 hashes, never in clear.
import type { Db } from '../../db/tables.js';

export interface TokensTable {
  id: string;
  name: string;
  role: string;
  token_hash: string;
  created_by: string;
  created_at: number;
  revoked_at: number | null;
}

declare module '../../db/tables.js' {
  interface Database {
    tokens: TokensTable;
  }
}

export async function findActiveTokenByHash(db: Db, hash: string) {
  return db
    .selectFrom('tokens')
    .select(['name', 'role'])
    .where('token_hash', '=', hash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

export async function anyActiveToken(db: Db): Promise<boolean> {
  const row = await db.selectFrom('tokens').select('id').where('revoked_at', 'is', null).limit(1).executeTakeFirst();
  return !!row;
}

export async function insertToken(
  db: Db,
  row: { id: string; name: string; role: string; token_hash: string; created_by: string; created_at: number },
) {
  await db.insertInto('tokens').values({ ...row, revoked_at: null }).execute();
}

export async function listTokens(db: Db) {
  return db
    .selectFrom('tokens')
    .select(['name', 'role', 'created_by', 'created_at', 'revoked_at'])
    .orderBy('created_at')
    .execute();
}

export async function revokeToken(db: Db, name: string, at: number): Promise<boolean> {
  const res = await db
    .updateTable('tokens')
    .set({ revoked_at: at })
    .where('name', '=', name)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}
