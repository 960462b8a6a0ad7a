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

/** The rows a replica reported last time, by model (to tell a new failure from a repeated one). */
export async function replicaRows(db: Db, replicaId: string): Promise<Map<string, GatewayReplicasTable>> {
  const rows = await db.selectFrom('gateway_replicas').selectAll().where('replica_id', '=', replicaId).execute();
  return new Map(rows.map((r) => [r.model, r]));
}

/** One statement per 200 models: a heartbeat of a gateway serving many models stays cheap. */
export async function upsertReplicas(db: Db, rows: GatewayReplicasTable[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 200) {
    await db
      .insertInto('gateway_replicas')
      .values(rows.slice(i, i + 200))
      .onConflict((oc) =>
        oc.columns(['replica_id', 'model']).doUpdateSet((eb) => ({
          url: eb.ref('excluded.url'),
          binding: eb.ref('excluded.binding'),
          version: eb.ref('excluded.version'),
          state: eb.ref('excluded.state'),
          error: eb.ref('excluded.error'),
          last_heartbeat: eb.ref('excluded.last_heartbeat'),
        })),
      )
      .execute();
  }
}

/** Forgets replicas not heard from since `before` (a restarted process reports under a new id). */
export async function pruneReplicas(db: Db, before: number): Promise<void> {
  await db.deleteFrom('gateway_replicas').where('last_heartbeat', '<', before).execute();
}

export async function replicasOf(db: Db, model: string): Promise<GatewayReplicasTable[]> {
  return db.selectFrom('gateway_replicas').selectAll().where('model', '=', model).orderBy('replica_id').execute();
}
