// Frozen: never edit after it lands; add a new migration instead.
// Protected models (issue 20): an approval request can now be for a rollback as well as a transition.
// `kind` says which; `from_version` is the version a rollback replaces (what the approver saw
// serving), null for a transition. Existing requests are transitions.
import type { Kysely, Migration } from 'kysely';
import type { DialectCaps } from '../dialect.js';

export function protectedApprovalsMigration(_caps: DialectCaps): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('promo_approvals').addColumn('kind', 'text', (c) => c.notNull().defaultTo('transition')).execute();
      await db.schema.alterTable('promo_approvals').addColumn('from_version', 'integer').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('promo_approvals').dropColumn('from_version').execute();
      await db.schema.alterTable('promo_approvals').dropColumn('kind').execute();
    },
  };
}
