// A model's own row and tags in and out of a model archive (registry/transfer/). An imported model
// keeps its original creator and creation time and records its origin key in imported_from, so a
// second import of the same model finds it instead of clashing with it.
import type { Db } from '../../db/tables.js';
import { findLiveModel, insertModel, modelTagRows, setImportedModelFields, updateModelRow, upsertModelTag } from './models-store.js';
import type { ModelRow } from './models.js';

/** The key naming a model wherever it travels: where it was first made. */
export const modelOrigin = (m: ModelRow): string => m.imported_from ?? m.id;

export async function modelTagsOf(db: Db, modelId: string): Promise<Record<string, string>> {
  const rows = await modelTagRows(db, modelId);
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

export interface ImportedModel {
  id: string;
  name: string;
  description: string;
  protected: boolean;
  created_by: string;
  created_at: number;
  updated_at: number;
  last_version: number;
  imported_from: string;
  tags: Record<string, string>;
}

/** Inserts the imported model with its original creator and time. */
export async function insertImportedModel(db: Db, m: ImportedModel): Promise<void> {
  await insertModel(db, { id: m.id, name: m.name, description: m.description, created_at: m.created_at, updated_at: m.updated_at, created_by: m.created_by });
  await setImportedModelFields(db, m.id, { last_version: m.last_version, protected: m.protected ? 1 : 0, imported_from: m.imported_from });
  for (const [k, v] of Object.entries(m.tags)) await upsertModelTag(db, m.id, k, v);
}

/** A later import of the same model: its settings become the archive's; version numbers never go back. */
export async function refreshImportedModel(db: Db, current: ModelRow, m: Omit<ImportedModel, 'id' | 'name' | 'created_by' | 'created_at' | 'imported_from'>): Promise<void> {
  await updateModelRow(db, current.id, { description: m.description, updated_at: m.updated_at });
  await setImportedModelFields(db, current.id, { last_version: Math.max(Number(current.last_version), m.last_version), protected: m.protected ? 1 : 0 });
  for (const [k, v] of Object.entries(m.tags)) await upsertModelTag(db, current.id, k, v);
}

/** The live model by name, inside the caller's transaction. */
export function findLiveModelIn(db: Db, name: string): Promise<ModelRow | undefined> {
  return findLiveModel(db, name);
}
