// Row types for every table. Timestamps are epoch milliseconds; JSON columns hold text.
import type { Generated, Kysely, Transaction } from 'kysely';

export interface ModelsTable {
  id: string;
  name: string;
  description: string;
  created_at: number;
  updated_at: number;
  /** Highest version number ever assigned; versions are never renumbered or reused. */
  last_version: number;
  created_by: string;
  deleted_at: number | null;
}

export interface VersionsTable {
  id: string;
  model_id: string;
  version: number;
  label: string | null;
  description: string;
  source: string | null;
  run_id: string | null;
  params: string;
  metrics: string;
  dataset_digest: string | null;
  code_ref: string | null;
  signature: string | null;
  status: string;
  status_message: string | null;
  stage: string;
  health: string;
  health_reason: string | null;
  digest: string | null;
  size_bytes: number;
  runtime: string | null;
  endpoint_url: string | null;
  created_by: string;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

export interface VersionFilesTable {
  version_id: string;
  path: string;
  size: number;
  sha256: string;
}

export interface ModelTagsTable {
  model_id: string;
  key: string;
  value: string;
}

export interface VersionTagsTable {
  version_id: string;
  key: string;
  value: string;
}

export interface AliasesTable {
  model_id: string;
  alias: string;
  version: number;
  updated_at: number;
}

/** A serving target (stage or alias) with a revision: moves are conditional on the revision they read. */
export interface TargetsTable {
  model_id: string;
  target: string;
  revision: number;
}

export interface EventsTable {
  id: Generated<number>;
  time: number;
  actor: string;
  model: string | null;
  model_id: string | null;
  version: number | null;
  type: string;
  target: string | null;
  from_value: string | null;
  to_value: string | null;
  reason: string | null;
  details: string;
}

export interface TokensTable {
  id: string;
  name: string;
  role: string;
  token_hash: string;
  created_by: string;
  created_at: number;
  revoked_at: number | null;
}

export interface Database {
  models: ModelsTable;
  versions: VersionsTable;
  version_files: VersionFilesTable;
  model_tags: ModelTagsTable;
  version_tags: VersionTagsTable;
  aliases: AliasesTable;
  targets: TargetsTable;
  events: EventsTable;
  tokens: TokensTable;
}

/** A database handle or a transaction: stores accept either, services own the transaction. */
export type Db = Kysely<Database> | Transaction<Database>;
