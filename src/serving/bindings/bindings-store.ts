// The only SQL for bindings: which serving target (stage or alias) a model is served from.
import type { Db } from '../../db/tables.js';

export interface BindingsTable {
  model_id: string;
  /** 'stage:Production', 'stage:Staging' or 'alias:<name>'. */
  binding: string;
  updated_at: number;
}

declare module '../../db/tables.js' {
  interface Database {
    bindings: BindingsTable;
  }
}

export const DEFAULT_BINDING = 'stage:Production';

export async function findBinding(db: Db, modelId: string): Promise<string> {
  const row = await db.selectFrom('bindings').select('binding').where('model_id', '=', modelId).executeTakeFirst();
  return row?.binding ?? DEFAULT_BINDING;
}

export async function allBindings(db: Db): Promise<Map<string, string>> {
  const rows = await db.selectFrom('bindings').select(['model_id', 'binding']).execute();
  return new Map(rows.map((r) => [r.model_id, r.binding]));
}

export async function writeBinding(db: Db, modelId: string, binding: string, now: number): Promise<void> {
  await db
    .insertInto('bindings')
    .values({ model_id: modelId, binding, updated_at: now })
    .onConflict((oc) => oc.column('model_id').doUpdateSet({ binding, updated_at: now }))
    .execute();
}

