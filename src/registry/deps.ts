// What every service of the kernel and its extensions is given: the real things, wired once by
// createDeps (src/deps.ts). Defined in the kernel so it depends on nothing outside it; extensions
// add behaviour through server.ts's Extension list, never by adding fields here.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { BlobStore } from '../blobs/blob-store.js';
import type { Config } from '../config.js';
import type { DialectCaps } from '../db/dialect.js';
import type { Database } from '../db/tables.js';
import type { Logger } from '../log.js';
import type { EventFeed } from './events/event-feed.js';
import type { Stage, VersionRow } from './versions/versions.js';
// Every kernel table wherever Deps (and so Kysely<Database>) is in the program: each module declares
// its tables beside its store, merged into Database, and its domain file brings them in
// (events through event-feed.ts, versions through versions.ts above).
import type {} from './models/models.js';
import type {} from './targets/targets.js';
import type {} from './tokens/tokens.js';

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export interface Ids {
  uuid(): string;
  /** A high-entropy secret for API tokens. */
  secret(): string;
}

export interface Deps {
  config: Config;
  db: Kysely<Database>;
  caps: DialectCaps;
  pgPool?: pg.Pool;
  blobs: BlobStore;
  clock: Clock;
  ids: Ids;
  log: Logger;
  feed: EventFeed;
  /** Checks a version must pass before it enters a serving stage, collected from the extensions by buildServer. */
  promotionChecks: readonly PromotionCheck[];
  close(): Promise<void>;
}

export interface TransitionInput {
  stage: string;
  archive_existing_versions?: boolean;
  reason?: string;
  /** Move even a version marked failed: an admin override, with a reason (the route checks the role). */
  force?: boolean;
  /**
   * Precondition: the version the caller saw holding the stage the version enters (for a move to None
   * or Archived, the stage it leaves); null: it saw the stage empty. 409 when that changed.
   */
  expected_version?: number | null;
  /** Set by in-process callers that cleared a promotion check (an approved request, an admin override); never from a request body. */
  clearance?: Record<string, unknown>;
}

/**
 * A version about to enter a serving target, as the promotion checks see it. `stage` is the stage
 * whose rules apply: the stage itself, or Production for an alias (anything can serve from an alias).
 */
export interface PromotionAttempt {
  actor: string;
  model: { id: string; name: string };
  row: VersionRow;
  stage: Stage;
  /** The target moved: 'stage:Production', 'alias:champion'. */
  target: string;
  /** How: a transition, a rollback to a version that never held the target, or an alias move. */
  via: 'transition' | 'rollback' | 'alias';
  input: TransitionInput;
}

/**
 * A check that must pass before a version enters a serving stage (validation gates, approvals).
 * It refuses by throwing an AppError naming what failed. Extensions declare theirs (Extension.promotionChecks)
 * and buildServer collects them into deps.promotionChecks; lower `order` runs first. A rollback to a
 * version that held the target before does not consult them (it passed them when it first entered;
 * a bad model must not wait); a rollback to any other version, and an alias move, do (targets/entry.ts).
 * Defined here, beside the Deps that carries the checks and that each
 * check is given, so the two are one definition and no import cycle (targets/promotion-checks.ts runs them).
 */
export interface PromotionCheck {
  name: string;
  order: number;
  check(deps: Deps, attempt: PromotionAttempt): Promise<void>;
}

export const systemClock: Clock = { now: () => Date.now() };

export const randomIds: Ids = {
  uuid: () => randomUUID(),
  secret: () => `sc_${randomBytes(24).toString('base64url')}`,
};
