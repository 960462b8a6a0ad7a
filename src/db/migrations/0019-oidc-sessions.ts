// Frozen: never edit after it lands; add a new migration instead.
// Single sign-on (OpenID Connect). oidc_logins: a sign-in under way (between the redirect to the
// issuer and its callback), keyed by a hash of the id the browser holds in a cookie, with the
// state, nonce and PKCE verifier that must match on return. oidc_sessions: a signed-in browser,
// keyed by a hash of its cookie (a leaked database row cannot be replayed as a cookie), ending at
// expires_at (absolute) or after an idle time past last_seen_at. people: whoever signed in or
// called with an OIDC token, so the UI can show an event's actor by name.
import type { Kysely, Migration } from 'kysely';
import type { DialectCaps } from '../dialect.js';

export function oidcSessionsMigration(_caps: DialectCaps): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('oidc_logins')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('nonce', 'text', (c) => c.notNull())
        .addColumn('code_verifier', 'text', (c) => c.notNull())
        .addColumn('redirect_uri', 'text', (c) => c.notNull())
        .addColumn('return_to', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('oidc_sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('email', 'text')
        .addColumn('display_name', 'text')
        .addColumn('groups', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('oidc_sessions_expires').on('oidc_sessions').column('expires_at').execute();
      await db.schema
        .createTable('people')
        .addColumn('subject', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('email', 'text')
        .addColumn('display_name', 'text')
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('people').execute();
      await db.schema.dropTable('oidc_sessions').execute();
      await db.schema.dropTable('oidc_logins').execute();
    },
  };
}
