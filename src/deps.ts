// createDeps(config): explicit wiring of the real things, no DI container.
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import { FsBlobStore } from './blobs/fs-blob-store.js';
import type { BlobStore } from './blobs/blob-store.js';
import type { Config } from './config.js';
import { openDatabase } from './db/database.js';
import type { DialectCaps } from './db/dialect.js';
import type { Database } from './db/tables.js';
import { createLogger, type Logger } from './log.js';
import { EventFeed } from './registry/events/event-feed.js';

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
  close(): Promise<void>;
}

export const systemClock: Clock = { now: () => Date.now() };

export const randomIds: Ids = {
  uuid: () => randomUUID(),
  secret: () => `sc_${randomBytes(24).toString('base64url')}`,
};

export interface DepsOverrides {
  clock?: Clock;
  ids?: Ids;
  log?: Logger;
  blobs?: BlobStore;
}

export async function createDeps(config: Config, overrides: DepsOverrides = {}): Promise<Deps> {
  const dataDir = path.resolve(config.dataDir);
  const log = overrides.log ?? createLogger(config.logLevel);
  const opened = await openDatabase({
    databaseUrl: config.databaseUrl,
    sqliteFile: path.join(dataDir, 'registry.sqlite'),
  });
  const blobs = overrides.blobs ?? new FsBlobStore(path.join(dataDir, 'blobs'));
  const feed = new EventFeed(opened.db, log, opened.pgPool);
  await feed.start();
  return {
    config,
    db: opened.db,
    caps: opened.caps,
    pgPool: opened.pgPool,
    blobs,
    clock: overrides.clock ?? systemClock,
    ids: overrides.ids ?? randomIds,
    log,
    feed,
    async close() {
      await feed.stop();
      await opened.close();
    },
  };
}
