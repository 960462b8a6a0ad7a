// The lock between garbage collection and whoever records a reference to stored bytes.
//
// gc deletes a blob only inside a transaction holding this lock exclusively, after re-asking every
// owner whether it references the blob and re-reading its modifiedAt. A writer that references
// bytes it did not put moments ago (a version registered from blobs uploaded long before, a gate's
// holdout) takes the lock shared in its own transaction and checks the bytes are still stored
// there: either gc's delete came first (the writer sees the bytes gone and refuses, a clean 4xx)
// or the writer's commit comes first (gc's re-check sees the new reference). Never both missed.
// PostgreSQL: a transaction-scoped advisory lock, so it holds across servers sharing the database.
// SQLite: Kysely runs one transaction at a time on its one connection, which is the lock already.
import { sql, type Transaction } from 'kysely';
import { statMany } from '../blobs/stat-many.js';
import type { Database } from '../db/tables.js';
import { AppError, invalid } from '../errors.js';
import type { Deps } from './deps.js';

const GC_LOCK_KEY = 7340015;

/** Taken by gc around each batch of deletes: no reference to the batch commits meanwhile. */
export async function lockForSweep(trx: Transaction<Database>, deps: Pick<Deps, 'caps'>): Promise<void> {
  if (deps.caps.name === 'postgres') await sql`select pg_advisory_xact_lock(${GC_LOCK_KEY})`.execute(trx);
}

/**
 * Inside the transaction that records references to `sha256s`: holds gc off until it commits and
 * refuses (invalid_argument) when any of the bytes is no longer stored.
 */
export async function holdBlobs(trx: Transaction<Database>, deps: Pick<Deps, 'caps' | 'blobs'>, sha256s: readonly string[]): Promise<void> {
  if (sha256s.length === 0) return;
  if (deps.caps.name === 'postgres') await sql`select pg_advisory_xact_lock_shared(${GC_LOCK_KEY})`.execute(trx);
  // A few in flight at once: on an object store each stat is a request, and a version may hold thousands of files.
  const stats = await statMany(deps.blobs, sha256s);
  const missing = [...stats].filter(([, blob]) => !blob).map(([sha]) => sha);
  if (missing.length) {
    throw invalid(`no uploaded bytes with sha256 ${missing.sort().join(', ')} (collected as garbage, or never uploaded); upload them to /api/v1/blobs again`, { missing });
  }
}

/**
 * After a put that found its bytes already stored: were they collected between the put's check and
 * its refresh of their modifiedAt? Then the upload must be sent again (its stream is spent); a
 * 503 says so, and clients retry it. Once this passes, the grace period protects the bytes.
 */
export async function confirmStored(deps: Deps, sha256: string): Promise<void> {
  try {
    await deps.db.transaction().execute((trx) => holdBlobs(trx, deps, [sha256]));
  } catch (err) {
    if (err instanceof AppError && err.code === 'invalid_argument') {
      throw new AppError('unavailable', `blob ${sha256} was collected as garbage while it was uploaded; upload it again`);
    }
    throw err;
  }
}
