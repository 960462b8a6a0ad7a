// The backup archive: a tar whose first entry is manifest.json (what the backup is), then every
// table's rows as NDJSON chunks in dependency order, then every referenced blob named by its sha256,
// and last end.json — a missing end means a cut-off archive. Restore reads it front to back once.
import type { DialectName } from '../db/dialect.js';
import type { ColumnKind } from '../db/row-values.js';

export const BACKUP_FORMAT = 'stagecraft-backup';
export const BACKUP_FORMAT_VERSION = 1;

export const MANIFEST_ENTRY = 'manifest.json';
export const END_ENTRY = 'end.json';
export const TABLES_DIR = 'tables/';
export const BLOBS_DIR = 'blobs/';

export interface BackupTable {
  name: string;
  rows: number;
  /** The order of the values in each row line, with the source's types. */
  columns: Array<{ name: string; type: string; kind: ColumnKind }>;
}

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  format_version: number;
  stagecraft_version: string;
  created_at: string;
  /** The database kind the backup was taken from. */
  db: DialectName;
  /** The last migration the source had run: the schema the rows fit. */
  schema: string;
  migrations: string[];
  /** Parents before children. */
  tables: BackupTable[];
  blobs: { count: number; bytes: number };
}

export interface BackupEnd {
  rows: number;
  blobs: number;
}

/** tables/<table>/<chunk>.ndjson: one JSON array a row. */
export const tableEntry = (table: string, chunk: number) => `${TABLES_DIR}${table}/${String(chunk).padStart(6, '0')}.ndjson`;

export function tableOfEntry(name: string): string | null {
  const m = /^tables\/([^/]+)\/\d+\.ndjson$/.exec(name);
  return m ? m[1]! : null;
}
