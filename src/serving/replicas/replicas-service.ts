// Gateway replicas report, per model, the version they serve and its state. The registry keeps the
// last report in the database (so any registry server answers the same status) and turns it into
// the rollout status: converged when every live replica serves the binding's target version.
import type { Deps } from '../../deps.js';
import { invalid } from '../../errors.js';
import { commit, findModel } from '../../registry/index.js';
import { getBinding } from '../bindings/bindings-service.js';
import { pruneReplicas, replicaRows, replicasOf, upsertReplicas } from './replicas-store.js';

export const REPLICA_STATES = ['loading', 'serving', 'failed'] as const;
export type ReplicaState = (typeof REPLICA_STATES)[number];

/** A replica with no heartbeat for this long is stale: it no longer counts towards convergence. */
export const STALE_AFTER_MS = 10_000;

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

export interface Heartbeat {
  replica_id: string;
  url?: string | null;
  models: ModelReport[];
}

/** Rows of replicas silent for this long are deleted; until then they show as stale. */
export const FORGET_AFTER_MS = 24 * 60 * 60_000;

export async function recordHeartbeat(deps: Deps, hb: Heartbeat): Promise<{ accepted: number }> {
  if (!/^[\w.:@-]{1,200}$/.test(hb.replica_id)) throw invalid(`invalid replica_id "${hb.replica_id}"`);
  const now = deps.clock.now();
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

export interface ReplicaStatus {
  replica_id: string;
  url: string | null;
  version: number | null;
  state: 'loading' | 'serving' | 'failed' | 'stale';
  error: string | null;
  last_heartbeat: string;
}

export interface ModelStatus {
  model: string;
  binding: string;
  target_version: number | null;
  converged: boolean;
  replicas: ReplicaStatus[];
}

export async function modelStatus(deps: Deps, modelName: string): Promise<ModelStatus> {
  const view = await getBinding(deps, modelName);
  const now = deps.clock.now();
  const replicas: ReplicaStatus[] = (await replicasOf(deps.db, view.model)).map((r) => ({
    replica_id: r.replica_id,
    url: r.url,
    version: r.version === null ? null : Number(r.version),
    state: now - Number(r.last_heartbeat) > STALE_AFTER_MS ? 'stale' : (r.state as ReplicaStatus['state']),
    error: r.error,
    last_heartbeat: new Date(Number(r.last_heartbeat)).toISOString(),
  }));
  const live = replicas.filter((r) => r.state !== 'stale');
  // No live replica serves anything, so nothing has converged: `status --wait` must not pass vacuously.
  const converged =
    view.target_version !== null && live.length > 0 && live.every((r) => r.state === 'serving' && r.version === view.target_version);
  return { ...view, converged, replicas };
}
