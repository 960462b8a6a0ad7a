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
import type { PromotionCheck } from './targets/promotion-checks.js';

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

export const systemClock: Clock = { now: () => Date.now() };

export const randomIds: Ids = {
  uuid: () => randomUUID(),
  secret: () => `sc_${randomBytes(24).toString('base64url')}`,
};
