// The only SQL for sign-ins under way, UI sessions and the people seen. Ids the browser holds are
// stored as sha256 hashes, never in clear.
import type { Db } from '../../db/tables.js';

export interface OidcLoginsTable {
  id_hash: string;
  state: string;
  nonce: string;
  code_verifier: string;
  redirect_uri: string;
  return_to: string;
  created_at: number;
}

export interface OidcSessionsTable {
  id_hash: string;
  subject: string;
  name: string;
  email: string | null;
  display_name: string | null;
  /** JSON array of group names. */
  groups: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

export interface PeopleTable {
  subject: string;
  name: string;
  email: string | null;
  display_name: string | null;
  last_seen_at: number;
}

declare module '../../db/tables.js' {
  interface Database {
    oidc_logins: OidcLoginsTable;
    oidc_sessions: OidcSessionsTable;
    people: PeopleTable;
  }
}

export async function insertLogin(db: Db, row: OidcLoginsTable): Promise<void> {
  await db.insertInto('oidc_logins').values(row).execute();
}

/** Takes a sign-in under way: it can be finished once only. */
export async function takeLogin(db: Db, idHash: string): Promise<OidcLoginsTable | undefined> {
  const row = await db.selectFrom('oidc_logins').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
  if (row) await db.deleteFrom('oidc_logins').where('id_hash', '=', idHash).execute();
  return row;
}

export async function deleteLoginsBefore(db: Db, before: number): Promise<void> {
  await db.deleteFrom('oidc_logins').where('created_at', '<', before).execute();
}

export async function insertSession(db: Db, row: OidcSessionsTable): Promise<void> {
  await db.insertInto('oidc_sessions').values(row).execute();
}

export async function findSession(db: Db, idHash: string): Promise<OidcSessionsTable | undefined> {
  return db.selectFrom('oidc_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
}

export async function touchSession(db: Db, idHash: string, at: number): Promise<void> {
  await db.updateTable('oidc_sessions').set({ last_seen_at: at }).where('id_hash', '=', idHash).execute();
}

export async function deleteSession(db: Db, idHash: string): Promise<void> {
  await db.deleteFrom('oidc_sessions').where('id_hash', '=', idHash).execute();
}

/** Sessions past their absolute end or idle since before `idleBefore`. */
export async function deleteEndedSessions(db: Db, now: number, idleBefore: number): Promise<void> {
  await db
    .deleteFrom('oidc_sessions')
    .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<', idleBefore)]))
    .execute();
}

export async function upsertPerson(db: Db, row: PeopleTable): Promise<void> {
  await db
    .insertInto('people')
    .values(row)
    .onConflict((oc) => oc.column('subject').doUpdateSet({ name: row.name, email: row.email, display_name: row.display_name, last_seen_at: row.last_seen_at }))
    .execute();
}

export async function listPeople(db: Db): Promise<PeopleTable[]> {
  return db.selectFrom('people').selectAll().orderBy('name').execute();
}
