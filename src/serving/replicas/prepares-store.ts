// The only SQL for replicas' answers to a prepare (move-coordinator.ts): one row per (prepare, replica).
import type { Db } from '../../db/tables.js';

export interface GatewayPreparesTable {
  prepare_id: string;
  replica_id: string;
  /** 1: the destination is loaded and warm; 0: it cannot be (reason says why). */
  ready: number;
  reason: string | null;
  /** How long the replica took to prepare, as it measured. */
  ms: number | null;
  at: number;
}

declare module '../../db/tables.js' {
  interface Database {
    gateway_prepares: GatewayPreparesTable;
  }
}

/** Records one replica's answer; a repeated answer (a retried request) keeps the first. */
export async function insertPrepareAnswer(db: Db, row: GatewayPreparesTable): Promise<void> {
  await db.insertInto('gateway_prepares').values(row).onConflict((oc) => oc.columns(['prepare_id', 'replica_id']).doNothing()).execute();
}

export async function prepareAnswers(db: Db, prepareId: string): Promise<GatewayPreparesTable[]> {
  return db.selectFrom('gateway_prepares').selectAll().where('prepare_id', '=', prepareId).execute();
}

/** Answers older than `before` are of moves long decided: nothing reads them again. */
export async function prunePrepareAnswers(db: Db, before: number): Promise<void> {
  await db.deleteFrom('gateway_prepares').where('at', '<', before).execute();
}
