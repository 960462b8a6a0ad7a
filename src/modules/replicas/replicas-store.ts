// The only SQL for gateway replica heartbeats: one row per (replica, model), last state reported.
import type { Db } from '../../db/tables.js';

export interface GatewayReplicasTable {
  replica_id: string;
  model: string;
  url: string | null;
  binding: string;
  version: number | null;
  state: string;
  error: string | null;
  last_heartbeat: number;
}

declare module '../../db/tables.js' {
  interface Database {
    gateway_replicas: GatewayReplicasTable;
  }
}

export async function upsertReplica(db: Db, row: GatewayReplicasTable): Promise<GatewayReplicasTable | undefined> {
  const before = await db
    .selectFrom('gateway_replicas')
    .selectAll()
    .where('replica_id', '=', row.replica_id)
    .where('model', '=', row.model)
    .executeTakeFirst();
  const { replica_id, model, ...rest } = row;
  await db
    .insertInto('gateway_replicas')
    .values(row)
    .onConflict((oc) => oc.columns(['replica_id', 'model']).doUpdateSet(rest))
    .execute();
  return before;
}

export async function replicasOf(db: Db, model: string): Promise<GatewayReplicasTable[]> {
  return db.selectFrom('gateway_replicas').selectAll().where('model', '=', model).orderBy('replica_id').execute();
}
