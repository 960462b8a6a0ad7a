// createDeps(config): explicit wiring of the real things, no DI container. The Deps type is the
// kernel's (registry/deps.ts); this file opens what it names.
import path from 'node:path';
import type { BlobStore } from './blobs/blob-store.js';
import { openBlobStore } from './blobs/open-blob-store.js';
import type { Config } from './config.js';
import { openDatabase } from './db/database.js';
import { createLogger, type Logger } from './log.js';
import { EventFeed, randomIds, systemClock, type Clock, type Deps, type Ids } from './registry/index.js';

export type { Clock, Deps, Ids } from './registry/index.js';

export interface DepsOverrides {
  clock?: Clock;
  ids?: Ids;
  log?: Logger;
  blobs?: BlobStore;
}

export async function createDeps(config: Config, overrides: DepsOverrides = {}): Promise<Deps> {
  const dataDir = path.resolve(config.dataDir);
  const log = overrides.log ?? createLogger(config.logLevel);
  // The artifact store first: a missing bucket stops startup before the database is touched.
  const blobs =
    overrides.blobs ??
    (await openBlobStore({
      artifactsUrl: config.artifactsUrl,
      s3Endpoint: config.s3Endpoint,
      s3Region: config.s3Region,
      defaultDir: path.join(dataDir, 'blobs'),
      maxUploadMs: config.maxUploadSeconds * 1000,
    }));
  const opened = await openDatabase({
    databaseUrl: config.databaseUrl,
    sqliteFile: path.join(dataDir, 'registry.sqlite'),
  });
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
    promotionChecks: [],
    moveCoordinators: [],
    uriResolvers: [],
    blobReferences: [],
    modelTransfers: [],
    async close() {
      await feed.stop();
      await opened.close();
      // Only a store this function opened: an override belongs to whoever passed it.
      if (!overrides.blobs) blobs.close?.();
    },
  };
}
