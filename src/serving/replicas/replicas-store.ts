// The only SQL for gateway replica heartbeats: one row per (replica, model), last state reported.
import { sql } from 'kysely';
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
  /** The last change-feed event id the replica had applied when it reported (null: it did not say). */
  feed_position: number | null;
  /** JSON of the last token rejection the replica reported (ReplicaRejection); kept until a newer one. */
  last_rejection: string | null;
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
          feed_position: eb.ref('excluded.feed_position'),
          // A heartbeat without a rejection to report keeps the last one reported.
          last_rejection: sql<string | null>`coalesce(excluded.last_rejection, gateway_replicas.last_rejection)`,
        })),
      )
      .execute();
  }
}

/** Forgets replicas not heard from since `before` (a restarted process reports under a new id). */
export async function pruneReplicas(db: Db, before: number): Promise<void> {
  await db.deleteFrom('gateway_replicas').where('last_heartbeat', '<', before).execute();
}

/** Forgets one replica (it said goodbye, or an operator forgot it); answers how many rows went. */
export async function deleteReplica(db: Db, replicaId: string): Promise<number> {
  const res = await db.deleteFrom('gateway_replicas').where('replica_id', '=', replicaId).executeTakeFirst();
  return Number(res.numDeletedRows);
}

export async function replicasOf(db: Db, model: string): Promise<GatewayReplicasTable[]> {
  return db.selectFrom('gateway_replicas').selectAll().where('model', '=', model).orderBy('replica_id').execute();
}
