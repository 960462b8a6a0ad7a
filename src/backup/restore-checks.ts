// What restore refuses before it touches anything: an archive that is not a backup this program can
// read. Kept apart from restore.ts so the CLI can name these refusals without loading the rest.
import type { BlobStore } from '../blobs/blob-store.js';
import { migrate, openUnmigrated, type OpenedDb } from '../db/database.js';
import { runnerOf } from '../db/row-copy.js';
import { describeTables, quoteId } from '../db/table-catalog.js';
import { BACKUP_FORMAT, BACKUP_FORMAT_VERSION, type BackupManifest } from './backup-format.js';

/** A refusal with a message for the person restoring: the archive or the target is not fit. */
export class RestoreError extends Error {
  override name = 'RestoreError';
}

export interface RestoreTarget {
  /** Opened without migrating (openUnmigrated): restore migrates it to the backup's schema. */
  opened: OpenedDb;
  blobs: BlobStore;
}

export function readManifest(body: Buffer): BackupManifest {
  let m: Partial<BackupManifest>;
  try {
    m = JSON.parse(body.toString('utf8')) as Partial<BackupManifest>;
  } catch {
    throw new RestoreError('the backup manifest is not JSON: not a Stagecraft backup, or a damaged one');
  }
  if (m.format !== BACKUP_FORMAT) throw new RestoreError('not a Stagecraft backup (manifest format is missing or wrong)');
  if (m.format_version !== BACKUP_FORMAT_VERSION) {
    throw new RestoreError(`backup format version ${String(m.format_version)} is not readable by this Stagecraft (it reads version ${BACKUP_FORMAT_VERSION})`);
  }
  if (!Array.isArray(m.tables) || !Array.isArray(m.migrations) || typeof m.schema !== 'string' || !m.blobs) throw new RestoreError('the backup manifest is incomplete');
  return m as BackupManifest;
}

/**
 * The rows migrating an empty database to `schema` leaves in each table (MLflow's Default experiment):
 * a target holding only these is empty. Found by migrating a scratch in-memory database, so a
 * migration that seeds a row later is counted without anyone listing it here.
 */
export async function seedCounts(schema: string): Promise<Map<string, number>> {
  const scratch = openUnmigrated({ databaseUrl: null, sqliteFile: ':memory:' });
  try {
    if (schema) await migrate(scratch, schema);
    const run = runnerOf(scratch.db);
    const counts = new Map<string, number>();
    for (const t of await describeTables(run, 'sqlite')) {
      const n = Number((await run(`select count(*) as n from ${quoteId(t.name)}`))[0]!.n);
      if (n > 0) counts.set(t.name, n);
    }
    return counts;
  } finally {
    await scratch.close();
  }
}
