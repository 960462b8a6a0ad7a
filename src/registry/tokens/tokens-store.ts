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
  /** When the token stops working; null: never (only an admin mints one). Migration 0018. */
  expires_at: number | null;
  /** Written in batches, at most once a minute per token (token-usage.ts); null: never used since 0018. */
  last_used_at: number | null;
  /** When its secret was last replaced (`tokens rotate`); null: never. */
  rotated_at: number | null;
}

declare module '../../db/tables.js' {
  interface Database {
    tokens: TokensTable;
  }
}

/** The unrevoked token with this hash, expired or not: the caller says which it is. */
export async function findActiveTokenByHash(db: Db, hash: string) {
  return db
    .selectFrom('tokens')
    .select(['id', 'name', 'role', 'expires_at'])
    .where('token_hash', '=', hash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

/**
 * Whether any unrevoked token exists — expired ones included: a server whose tokens all expired must
 * refuse everyone, never fall back to open mode.
 */
export async function anyActiveToken(db: Db): Promise<boolean> {
  const row = await db.selectFrom('tokens').select('id').where('revoked_at', 'is', null).limit(1).executeTakeFirst();
  return !!row;
}

export async function insertToken(
  db: Db,
  row: { id: string; name: string; role: string; token_hash: string; created_by: string; created_at: number; expires_at: number | null },
) {
  await db.insertInto('tokens').values({ ...row, revoked_at: null, last_used_at: null, rotated_at: null }).execute();
}

export async function findTokenByName(db: Db, name: string) {
  return db.selectFrom('tokens').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function listTokens(db: Db, createdBy?: string) {
  let q = db.selectFrom('tokens').select(['name', 'role', 'created_by', 'created_at', 'revoked_at', 'expires_at', 'last_used_at', 'rotated_at']);
  if (createdBy !== undefined) q = q.where('created_by', '=', createdBy);
  return q.orderBy('created_at').execute();
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

/**
 * A new secret for an unrevoked token, in place: the old hash stops matching the moment this commits.
 * Conditional on the hash the caller read, so two concurrent rotations cannot both hand out a secret.
 */
export async function replaceSecret(db: Db, name: string, oldHash: string, patch: { token_hash: string; rotated_at: number; expires_at: number | null }): Promise<boolean> {
  const res = await db
    .updateTable('tokens')
    .set(patch)
    .where('name', '=', name)
    .where('token_hash', '=', oldHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Records when tokens were last used: one statement for a batch (token-usage.ts). */
export async function touchTokens(db: Db, ids: readonly string[], at: number): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('tokens').set({ last_used_at: at }).where('id', 'in', ids).execute();
}
