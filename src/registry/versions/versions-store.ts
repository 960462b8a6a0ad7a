// The only SQL for versions, their files and tags, and the aliases naming them — with their row
// types. A version's pointers (its stage column, its aliases) are stored here; the targets module
// moves them, through versions' services, with its revision claims and events.
import type { ExpressionBuilder } from 'kysely';
import { dialectOf } from '../../db/dialect.js';
import { preparedQuery } from '../../db/prepared-query.js';
import type { Db } from '../../db/tables.js';

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
  /** JSON of the MLflow model directory's PythonModelInfo (mlmodel.ts); null when the version has none. */
  python: string | null;
  /** The origin key of the version this one was imported from (migration 0016); absent or null when made here. */
  imported_from?: string | null;
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

declare module '../../db/tables.js' {
  interface Database {
    versions: VersionsTable;
    version_files: VersionFilesTable;
    version_tags: VersionTagsTable;
    aliases: AliasesTable;
  }
}

export type VersionRow = VersionsTable;
/** One file of a version as stored (the manifest entry of versions.ts). */
type FileRow = Omit<VersionFilesTable, 'version_id'>;

export async function insertVersion(db: Db, row: VersionsTable) {
  await db.insertInto('versions').values(row).execute();
}

export async function insertFiles(db: Db, versionId: string, files: FileRow[]) {
  if (files.length === 0) return;
  // Chunked: SQLite limits bound parameters per statement.
  for (let i = 0; i < files.length; i += 200) {
    await db
      .insertInto('version_files')
      .values(files.slice(i, i + 200).map((f) => ({ version_id: versionId, path: f.path, size: f.size, sha256: f.sha256 })))
      .execute();
  }
}

export async function versionFiles(db: Db, versionId: string): Promise<FileRow[]> {
  const rows = await db
    .selectFrom('version_files')
    .select(['path', 'size', 'sha256'])
    .where('version_id', '=', versionId)
    .orderBy('path')
    .execute();
  return rows.map((r) => ({ path: r.path, size: Number(r.size), sha256: r.sha256 }));
}

// Prepared (db/prepared-query.ts): the hot reads of one version (gets, transitions).
const liveVersion = preparedQuery((db, p: { modelId: string; version: number }) =>
  db.selectFrom('versions').selectAll().where('model_id', '=', p.modelId).where('version', '=', p.version).where('deleted_at', 'is', null),
);

export async function findVersion(db: Db, modelId: string, version: number, opts: { includeDeleted?: boolean } = {}) {
  if (!opts.includeDeleted) return (await liveVersion(db, { modelId, version }))[0];
  return db.selectFrom('versions').selectAll().where('model_id', '=', modelId).where('version', '=', version).executeTakeFirst();
}

export async function findVersionByLabel(db: Db, modelId: string, label: string) {
  return db
    .selectFrom('versions')
    .selectAll()
    .where('model_id', '=', modelId)
    .where('label', '=', label)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

/** Live versions in a stage, highest first: the first is what models:/name/<stage> means. */
export async function liveVersionsIn(db: Db, modelId: string, stage: string) {
  return db
    .selectFrom('versions')
    .selectAll()
    .where('model_id', '=', modelId)
    .where('stage', '=', stage)
    .where('deleted_at', 'is', null)
    .orderBy('version', 'desc')
    .execute();
}

export async function highestLiveVersion(db: Db, modelId: string) {
  return db
    .selectFrom('versions')
    .selectAll()
    .where('model_id', '=', modelId)
    .where('deleted_at', 'is', null)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** The shape of a conditional stage move; each shape is one prepared statement (built and compiled once). */
type MoveShape = { ready: boolean; allowFailed: boolean; archiveOthers: boolean; touch: boolean; claim: boolean };
type MoveValues = { modelId: string; version: number; from: string; to: string; now: number; target: string; revision: number; next: number };
const moveStatements = new Map<string, (db: Db, values: MoveValues) => Promise<VersionsTable[]>>();

function moveStatement(shape: MoveShape) {
  const key = JSON.stringify(shape);
  let run = moveStatements.get(key);
  if (run) return run;
  run = preparedQuery((db, p: MoveValues) => {
    // Data-modifying CTEs (PostgreSQL only): the target's revision claim, which the move's WHERE
    // waits on (an uncorrelated EXISTS, evaluated before the first version row is touched, so the
    // target row is locked first as in claimTargets), and the model's last update.
    // The CTEs' names widen the builder's table set; nothing reads them but the EXISTS, so the casts are safe.
    let from = db;
    if (shape.claim) {
      from = from.with('claimed', (w) =>
        w.updateTable('targets').set({ revision: p.next }).where('model_id', '=', p.modelId).where('target', '=', p.target).where('revision', '=', p.revision).returning('revision'),
      ) as unknown as Db;
    }
    if (shape.touch) from = from.with('touched', (w) => w.updateTable('models').set({ updated_at: p.now }).where('id', '=', p.modelId).returning('id')) as unknown as Db;
    return from
      .updateTable('versions')
      .set((eb) => ({
        stage: shape.archiveOthers ? eb.case().when('version', '=', p.version).then(p.to).else('Archived').end() : p.to,
        updated_at: p.now,
      }))
      .where('model_id', '=', p.modelId)
      .where('deleted_at', 'is', null)
      .where((eb) => {
        const conditions = [eb('version', '=', p.version), eb('stage', '=', p.from)];
        if (shape.ready) conditions.push(eb('status', '=', 'READY'));
        if (!shape.allowFailed) conditions.push(eb('health', '!=', 'failed'));
        const self = eb.and(conditions);
        const which = shape.archiveOthers ? eb.or([self, eb.and([eb('stage', '=', p.to), eb('version', '!=', p.version)])]) : self;
        if (!shape.claim) return which;
        const claimed = (eb as unknown as ExpressionBuilder<{ claimed: { revision: number } }, 'claimed'>).selectFrom('claimed').select('revision');
        return eb.and([which, eb.exists(claimed as never)]);
      })
      .returningAll();
  });
  moveStatements.set(key, run);
  return run;
}

/**
 * Moves a live version from stage `from` to `to` only if it is still in `from` (and, entering a
 * serving stage, READY and not failed unless forced): the re-check and the write in one statement.
 * With `archiveOthers`, the same statement archives every other live version in `to`. Answers the
 * row as written (undefined when a condition failed: the caller reads why, and throws, which rolls
 * back any archiving) and the archived version numbers, highest first.
 */
export async function moveVersionRowIf(
  db: Db,
  modelId: string,
  version: number,
  move: {
    from: string;
    to: string;
    now: number;
    ready: boolean;
    allowFailed: boolean;
    archiveOthers: boolean;
    touchModel?: boolean;
    /** PostgreSQL: claim this target at this revision in the same statement (see claimTargets); nothing moves unless it holds. */
    claim?: { target: string; revision: number };
  },
): Promise<{ moved: VersionRow | undefined; archived: number[]; touched: boolean; claimed: boolean }> {
  // PostgreSQL: the model's last update and the target's claim ride in the same statement (a
  // data-modifying CTE runs whether or not the update below matches; a caller that finds nothing
  // moved throws and rolls it back): two round trips less in a transition. SQLite has no such CTE;
  // its statements cost no trip.
  const pg = dialectOf(db) === 'postgres';
  const touched = !!move.touchModel && pg;
  const claimed = !!move.claim && pg;
  const run = moveStatement({ ready: move.ready, allowFailed: move.allowFailed, archiveOthers: move.archiveOthers, touch: touched, claim: claimed });
  const rows = await run(db, {
    modelId,
    version,
    from: move.from,
    to: move.to,
    now: move.now,
    target: move.claim?.target ?? '',
    revision: move.claim?.revision ?? 0,
    next: (move.claim?.revision ?? 0) + 1,
  });
  return {
    touched,
    claimed,
    moved: rows.find((r) => Number(r.version) === version),
    archived: rows
      .filter((r) => Number(r.version) !== version)
      .map((r) => Number(r.version))
      .sort((a, b) => b - a),
  };
}

/** Archives every live version in `stage` but `keepId`; answers their version numbers, highest first. */
export async function archiveVersionsIn(db: Db, modelId: string, stage: string, keepId: string, now: number): Promise<number[]> {
  const rows = await db
    .updateTable('versions')
    .set({ stage: 'Archived', updated_at: now })
    .where('model_id', '=', modelId)
    .where('stage', '=', stage)
    .where('deleted_at', 'is', null)
    .where('id', '!=', keepId)
    .returning('version')
    .execute();
  return rows.map((r) => Number(r.version)).sort((a, b) => b - a);
}

export async function updateVersionRow(db: Db, id: string, patch: Partial<VersionsTable>) {
  await db.updateTable('versions').set(patch).where('id', '=', id).execute();
}

export async function versionTags(db: Db, versionIds: string[]) {
  if (versionIds.length === 0) return [];
  return db.selectFrom('version_tags').selectAll().where('version_id', 'in', versionIds).execute();
}

export async function upsertVersionTag(db: Db, versionId: string, key: string, value: string) {
  await db
    .insertInto('version_tags')
    .values({ version_id: versionId, key, value })
    .onConflict((oc) => oc.columns(['version_id', 'key']).doUpdateSet({ value }))
    .execute();
}

export async function deleteVersionTag(db: Db, versionId: string, key: string): Promise<boolean> {
  const res = await db.deleteFrom('version_tags').where('version_id', '=', versionId).where('key', '=', key).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

export async function aliasesOfModels(db: Db, modelIds: string[]) {
  if (modelIds.length === 0) return [];
  return db.selectFrom('aliases').selectAll().where('model_id', 'in', modelIds).execute();
}

const aliasOfModel = preparedQuery((db, p: { modelId: string; alias: string }) => db.selectFrom('aliases').selectAll().where('model_id', '=', p.modelId).where('alias', '=', p.alias));

export async function findAlias(db: Db, modelId: string, alias: string) {
  return (await aliasOfModel(db, { modelId, alias }))[0];
}

/** Points the alias at `version`: moves it when it exists, inserts it when it does not. */
export async function putAlias(db: Db, modelId: string, alias: string, version: number, now: number, exists: boolean) {
  if (exists) {
    await db.updateTable('aliases').set({ version, updated_at: now }).where('model_id', '=', modelId).where('alias', '=', alias).execute();
  } else {
    await db.insertInto('aliases').values({ model_id: modelId, alias, version, updated_at: now }).execute();
  }
}

export async function deleteAliasRow(db: Db, modelId: string, alias: string) {
  await db.deleteFrom('aliases').where('model_id', '=', modelId).where('alias', '=', alias).execute();
}

/** Removes every alias naming the version; answers their names. */
export async function deleteAliasesOf(db: Db, modelId: string, version: number): Promise<string[]> {
  const rows = await db.selectFrom('aliases').select('alias').where('model_id', '=', modelId).where('version', '=', version).execute();
  await db.deleteFrom('aliases').where('model_id', '=', modelId).where('version', '=', version).execute();
  return rows.map((r) => r.alias);
}

/** Every blob any version's files name, deleted versions' too (their bytes stay until a purge). */
export async function fileDigests(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('version_files').select('sha256').distinct().execute();
  return rows.map((r) => r.sha256);
}

/** Those of `sha256s` some version's files name. */
export async function fileDigestsAmong(db: Db, sha256s: readonly string[]): Promise<string[]> {
  if (sha256s.length === 0) return [];
  const rows = await db.selectFrom('version_files').select('sha256').distinct().where('sha256', 'in', [...sha256s]).execute();
  return rows.map((r) => r.sha256);
}

/** Removes a version's file rows (a purge); its bytes become garbage unless something else holds them. */
export async function deleteFilesOf(db: Db, versionId: string): Promise<void> {
  await db.deleteFrom('version_files').where('version_id', '=', versionId).execute();
}

/** Every version of the model, deleted ones too (their numbers stay taken), lowest first. */
export async function versionsOfModel(db: Db, modelId: string) {
  return db.selectFrom('versions').selectAll().where('model_id', '=', modelId).orderBy('version').execute();
}
