// Gateway replicas report, per model, the version they serve and its state, and how far they have
// read the change feed. The registry keeps the last report in the database (so any registry server
// answers the same status) and turns it into the rollout status (convergence.ts).
import type { Deps } from '../../deps.js';
import { invalid, notFound } from '../../errors.js';
import { commit, findModel } from '../../registry/index.js';
import { announce } from './replica-news.js';
import { deleteReplica, pruneReplicas, replicaRows, upsertReplicas } from './replicas-store.js';

export const REPLICA_STATES = ['loading', 'serving', 'failed'] as const;
export type ReplicaState = (typeof REPLICA_STATES)[number];


export interface ModelReport {
  model: string;
  binding: string;
  version: number | null;
  state: ReplicaState;
  error?: string | null;
  /** The version whose load failed: the failure is recorded as an audit event (gateway.load_failed). */
  failed_version?: number | null;
  /** The failure was bytes not matching the manifest's sha256. */
  integrity_error?: boolean;
}

/** The registry refused the replica's token (401) or its role (403) between these times. */
export interface ReplicaRejection {
  status: number;
  message: string;
  first_at: string;
  last_at: string;
  count: number;
}

export interface Heartbeat {
  replica_id: string;
  url?: string | null;
  models: ModelReport[];
  /** The last change-feed event id this replica applied: it has seen every move up to it. */
  feed_position?: number | null;
  /** Rejections of its token since its last successful contact (reported once, at the next). */
  rejection?: ReplicaRejection | null;
  /** The replica is shutting down: forget it rather than wait for it. */
  leaving?: boolean;
}

/** Rows of replicas silent for this long are deleted; until then they show as unknown. */
export const FORGET_AFTER_MS = 24 * 60 * 60_000;

const REPLICA_ID = /^[\w.:@-]{1,200}$/;

export async function recordHeartbeat(deps: Deps, hb: Heartbeat): Promise<{ accepted: number }> {
  if (!REPLICA_ID.test(hb.replica_id)) throw invalid(`invalid replica_id "${hb.replica_id}"`);
  if (hb.leaving) {
    // A replica that says goodbye is serving nothing any more: it cannot hold convergence back.
    await deleteReplica(deps.db, hb.replica_id);
    return { accepted: 0 };
  }
  // One row per (replica, model): a model reported twice would make PostgreSQL's upsert fail.
  const reported = new Set<string>();
  for (const m of hb.models) {
    if (reported.has(m.model)) throw invalid(`models: "${m.model}" is reported twice; a heartbeat reports each model once`);
    reported.add(m.model);
  }
  const now = deps.clock.now();
  if (hb.rejection) {
    deps.log.warn({ replica: hb.replica_id, rejection: hb.rejection }, 'a gateway replica reports its token was rejected');
  }
  const before = await replicaRows(deps.db, hb.replica_id);
  await upsertReplicas(
    deps.db,
    hb.models.map((m) => ({
      replica_id: hb.replica_id,
      model: m.model,
      url: hb.url ?? null,
      binding: m.binding,
      version: m.version,
      state: m.state,
      error: m.error ?? null,
      last_heartbeat: now,
      feed_position: hb.feed_position ?? null,
      last_rejection: hb.rejection ? JSON.stringify(hb.rejection) : null,
    })),
  );
  for (const m of hb.models) {
    const prev = before.get(m.model);
    // Only the transition into a new failure is audited; repeated heartbeats of it are not.
    const newFailure = m.state === 'failed' && (prev?.state !== 'failed' || prev.error !== (m.error ?? null));
    // A report without failed_version is a version the gateway cannot run at all: shown, not audited.
    if (newFailure && m.failed_version != null) await recordLoadFailure(deps, hb.replica_id, m);
  }
  await pruneReplicas(deps.db, now - FORGET_AFTER_MS);
  // A move waiting for this replica to confirm looks again now.
  for (const m of hb.models) announce(m.model);
  return { accepted: hb.models.length };
}

async function recordLoadFailure(deps: Deps, replicaId: string, m: ModelReport): Promise<void> {
  const model = await findModel(deps.db, m.model);
  if (!model) return;
  await commit(deps, async (_trx, append) => {
    await append({
      actor: `gateway:${replicaId}`,
      type: 'gateway.load_failed',
      model: { id: model.id, name: model.name },
      version: m.failed_version ?? null,
      target: m.binding,
      reason: m.error ?? 'load failed',
      details: { replica_id: replicaId, serving_version: m.version, integrity: !!m.integrity_error },
    });
  });
}

/** Forgets a replica that will not come back (crashed, decommissioned): it stops showing as unknown. */
export async function forgetReplica(deps: Deps, replicaId: string): Promise<void> {
  if (!REPLICA_ID.test(replicaId)) throw invalid(`invalid replica_id "${replicaId}"`);
  if ((await deleteReplica(deps.db, replicaId)) === 0) throw notFound(`no gateway replica "${replicaId}" has reported`);
}
