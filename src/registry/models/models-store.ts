// The only SQL for models and model tags, and their row types.
import type { ColumnType, Selectable } from 'kysely';
import { preparedQuery } from '../../db/prepared-query.js';
import type { Db } from '../../db/tables.js';

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
  /** 1: while the model serves, deleting or renaming it is refused (see models-service). Defaults to 0 on insert. */
  protected: ColumnType<number, number | undefined, number>;
  /** The origin key of the model this one was imported from (migration 0016); null when made here. */
  imported_from: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ModelTagsTable {
  model_id: string;
  key: string;
  value: string;
}

declare module '../../db/tables.js' {
  interface Database {
    models: ModelsTable;
    model_tags: ModelTagsTable;
  }
}

// Prepared (db/prepared-query.ts): every request naming a model reads it, transitions included.
const liveModelByName = preparedQuery((db, p: { name: string }) => db.selectFrom('models').selectAll().where('name', '=', p.name).where('deleted_at', 'is', null));

export async function findLiveModel(db: Db, name: string) {
  return (await liveModelByName(db, { name }))[0];
}

export async function insertModel(db: Db, row: Omit<Selectable<ModelsTable>, 'deleted_at' | 'last_version' | 'protected' | 'imported_from'>) {
  await db
    .insertInto('models')
    .values({ ...row, last_version: 0, deleted_at: null, protected: 0 })
    .execute();
}

export async function updateModelRow(db: Db, id: string, patch: Partial<Pick<Selectable<ModelsTable>, 'description' | 'name' | 'updated_at' | 'deleted_at' | 'protected'>>) {
  await db.updateTable('models').set(patch).where('id', '=', id).execute();
}

/**
 * A rename moves every version's last update too: a version is shown under its model's name, so
 * renaming the model changes each version as MLflow clients read it (MLflow bumps them the same way).
 * Here rather than in versions/ because the rename owns the transaction and models/ may not call
 * into versions/ (versions/ already builds on models/).
 */
export async function touchVersionsOfModel(db: Db, modelId: string, now: number) {
  await db.updateTable('versions').set({ updated_at: now }).where('model_id', '=', modelId).where('deleted_at', 'is', null).execute();
}

/** Assigns the next version number: highest ever assigned + 1, never reused after deletes. */
export async function nextVersionNumber(db: Db, id: string): Promise<number> {
  const row = await db
    .updateTable('models')
    .set((eb) => ({ last_version: eb('last_version', '+', 1) }))
    .where('id', '=', id)
    .returning('last_version')
    .executeTakeFirstOrThrow();
  return Number(row.last_version);
}

export interface ModelListQuery {
  /** Substring of the name, case-insensitive. */
  search?: string;
  afterName?: string;
  limit: number;
  ilike: 'like' | 'ilike';
}

export async function listLiveModels(db: Db, q: ModelListQuery) {
  let query = db.selectFrom('models').selectAll().where('deleted_at', 'is', null);
  if (q.search) query = query.where('name', q.ilike, `%${escapeLike(q.search)}%`);
  if (q.afterName !== undefined) query = query.where('name', '>', q.afterName);
  return query.orderBy('name').limit(q.limit).execute();
}

export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export async function upsertModelTag(db: Db, modelId: string, key: string, value: string) {
  await db
    .insertInto('model_tags')
    .values({ model_id: modelId, key, value })
    .onConflict((oc) => oc.columns(['model_id', 'key']).doUpdateSet({ value }))
    .execute();
}

export async function deleteModelTag(db: Db, modelId: string, key: string): Promise<boolean> {
  const res = await db.deleteFrom('model_tags').where('model_id', '=', modelId).where('key', '=', key).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/** The model's tags, by key. */
export async function modelTagRows(db: Db, modelId: string) {
  return db.selectFrom('model_tags').select(['key', 'value']).where('model_id', '=', modelId).orderBy('key').execute();
}

/** What an import sets beyond a new model's defaults: numbering, the protected setting, the origin key. */
export async function setImportedModelFields(db: Db, id: string, patch: { last_version: number; protected: number; imported_from?: string }) {
  await db.updateTable('models').set(patch).where('id', '=', id).execute();
}
