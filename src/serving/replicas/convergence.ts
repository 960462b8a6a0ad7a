// Rollout status: has every replica that serves a model acknowledged the binding's target?
// Honest by construction: a replica counts only when it reported, after the move, serving the target
// — its heartbeat is fresh and its change-feed position is at or past the move. A replica that went
// silent (paused, partitioned, its token rejected, crashed), or that has not read the move, is
// *unknown* and the model is not converged, whatever version it said it served last. A replica that
// shut down said goodbye (Heartbeat.leaving); one that will not come back is forgotten by an
// operator (DELETE /api/v1/gateways/replicas/{id}) or after FORGET_AFTER_MS.
import type { Deps } from '../../deps.js';
import { findModel, holdings, modelEvents } from '../../registry/index.js';
import { getBinding } from '../bindings/bindings-service.js';
import type { ReplicaRejection, ReplicaState } from './replicas-service.js';
import { replicasOf, type GatewayReplicasTable } from './replicas-store.js';

/** A replica with no heartbeat for this long is unknown (it heartbeats every 2 s). */
export const STALE_AFTER_MS = 10_000;

export type UnknownReason = 'missed_heartbeats' | 'behind_feed' | 'no_feed_position';

export interface ReplicaStatus {
  replica_id: string;
  url: string | null;
  /** The version it last reported serving (for an unknown replica: last seen). */
  version: number | null;
  state: ReplicaState | 'unknown';
  error: string | null;
  last_heartbeat: string;
  feed_position: number | null;
  /** It reported serving the target after the move: the only way to count as converged. */
  acknowledged: boolean;
  unknown_reason: UnknownReason | null;
  /** Why it is unknown, in words, with what it was last seen serving. */
  why: string | null;
  last_rejection: ReplicaRejection | null;
}

export interface ModelStatus {
  model: string;
  binding: string;
  target_version: number | null;
  /** The event that last changed what the binding resolves to: replicas must have read it. */
  move_event_id: number | null;
  converged: boolean;
  replicas: ReplicaStatus[];
}

/** The last event that changed which version the binding resolves to (a move of its target, or a rebinding). */
async function lastMove(deps: Deps, modelName: string, binding: string): Promise<number | null> {
  const model = await findModel(deps.db, modelName);
  if (!model) return null;
  const moved = (await holdings(deps.db, model.id, binding)).at(-1)?.event.id ?? null;
  const rebound = (await modelEvents(deps.db, model.id, ['binding.changed'])).at(-1)?.id ?? null;
  return Math.max(moved ?? 0, rebound ?? 0) || null;
}

function seen(version: number | null, state: string): string {
  return version === null ? `last seen ${state}, serving nothing` : `last seen ${state === 'serving' ? 'serving' : state} v${version}`;
}

function replicaStatus(r: GatewayReplicasTable, now: number, target: number | null, move: number | null): ReplicaStatus {
  const version = r.version === null ? null : Number(r.version);
  const feed = r.feed_position === null ? null : Number(r.feed_position);
  const silentMs = now - Number(r.last_heartbeat);
  const state = r.state as ReplicaState;
  let unknown: UnknownReason | null = null;
  let why: string | null = null;
  if (silentMs > STALE_AFTER_MS) {
    unknown = 'missed_heartbeats';
    why = `no heartbeat for ${Math.round(silentMs / 1000)} s (${seen(version, state)})`;
  } else if (feed === null) {
    unknown = 'no_feed_position';
    why = `does not report how far it has read the change feed (${seen(version, state)})`;
  } else if (move !== null && feed < move) {
    unknown = 'behind_feed';
    why = `has read the change feed to event ${feed}, not yet the move (event ${move}) (${seen(version, state)})`;
  }
  return {
    replica_id: r.replica_id,
    url: r.url,
    version,
    state: unknown ? 'unknown' : state,
    error: r.error,
    last_heartbeat: new Date(Number(r.last_heartbeat)).toISOString(),
    feed_position: feed,
    acknowledged: !unknown && target !== null && state === 'serving' && version === target,
    unknown_reason: unknown,
    why,
    last_rejection: r.last_rejection ? (JSON.parse(r.last_rejection) as ReplicaRejection) : null,
  };
}

export async function modelStatus(deps: Deps, modelName: string): Promise<ModelStatus> {
  const view = await getBinding(deps, modelName);
  const move = await lastMove(deps, view.model, view.binding);
  const now = deps.clock.now();
  const replicas = (await replicasOf(deps.db, view.model)).map((r) => replicaStatus(r, now, view.target_version, move));
  // No replica serves anything, so nothing has converged: `status --wait` must not pass vacuously.
  const converged = view.target_version !== null && replicas.length > 0 && replicas.every((r) => r.acknowledged);
  return { ...view, move_event_id: move, converged, replicas };
}
