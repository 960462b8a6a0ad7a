// Frozen: never edit after it lands; add a new migration instead.
// Tokens that expire (issue 20): when a token stops working, when it was last used (written in
// batches, at most once a minute per token), and when its secret was last rotated.
// Tokens that exist when this runs get the default lifetime from now: 90 days. A token that lived
// forever is the problem being fixed, and the oldest ones are the likeliest to have leaked; 90 days
// is the grace an admin has to rotate them (`stagecraft tokens list` shows the date, and
// `stagecraft tokens rotate NAME` hands out a new secret with a new expiry under the same name).
import type { Kysely, Migration } from 'kysely';
import type { DialectCaps } from '../dialect.js';

/** The default token lifetime when this migration was written: a copy, as migrations import nothing. */
const GRACE_MS = 90 * 24 * 3600 * 1000;

export function tokenExpiryMigration(_caps: DialectCaps): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('tokens').addColumn('expires_at', 'bigint').execute();
      await db.schema.alterTable('tokens').addColumn('last_used_at', 'bigint').execute();
      await db.schema.alterTable('tokens').addColumn('rotated_at', 'bigint').execute();
      await db.updateTable('tokens').set({ expires_at: Date.now() + GRACE_MS }).where('revoked_at', 'is', null).execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('tokens').dropColumn('rotated_at').execute();
      await db.schema.alterTable('tokens').dropColumn('last_used_at').execute();
      await db.schema.alterTable('tokens').dropColumn('expires_at').execute();
    },
  };
}
