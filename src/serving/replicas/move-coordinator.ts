// serving/'s part of prepare, commit, confirm (registry/targets/phases.ts): which replicas serve the
// moved target, how they are asked to prepare (a `move.prepare` event on the change feed they
// follow; they answer POST /api/v1/gateways/prepared), and how their confirmation is read (their
// heartbeat reports the destination at or past the move's event — what status counts as converged).
import { performance } from 'node:perf_hooks';
import type { Deps } from '../../deps.js';
import { invalid } from '../../errors.js';
import { commit, listEvents, type MoveCoordinator, type PlannedMove, type PrepareReport, type RegistryEvent, type ReplicaPhase } from '../../registry/index.js';
import { STALE_AFTER_MS } from './convergence.js';
import { insertPrepareAnswer, prepareAnswers, prunePrepareAnswers } from './prepares-store.js';
import { announce, nextNews } from './replica-news.js';
import { replicasOf, type GatewayReplicasTable } from './replicas-store.js';

/** How often a waiting move re-reads the database for answers given to another registry server. */
const POLL_MS = 25;
/** Answers are kept this long (a move never waits longer), then pruned. */
const KEEP_ANSWERS_MS = 60 * 60_000;

export interface PrepareAnswer {
  prepare_id: string;
  replica_id: string;
  ready: boolean;
  reason?: string | null;
  ms?: number | null;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

export async function recordPrepareAnswer(deps: Deps, a: PrepareAnswer): Promise<void> {
  if (!a.ready && !a.reason?.trim()) throw invalid('reason: a replica that cannot prepare says why');
  const now = deps.clock.now();
  await insertPrepareAnswer(deps.db, { prepare_id: a.prepare_id, replica_id: a.replica_id, ready: a.ready ? 1 : 0, reason: a.reason ?? null, ms: a.ms ?? null, at: now });
  await prunePrepareAnswers(deps.db, now - KEEP_ANSWERS_MS);
  announce(a.prepare_id);
}

function phase(r: GatewayReplicasTable, target: string, prepare: ReplicaPhase['prepare'], reason: string | null, ms: number | null = null): ReplicaPhase {
  return { replica_id: r.replica_id, target, prepare, prepare_ms: ms, confirm: null, confirm_ms: null, reason };
}

async function prepare(deps: Deps, move: PlannedMove, deadlineMs: number): Promise<PrepareReport> {
  const now = deps.clock.now();
  const rows = (await replicasOf(deps.db, move.model.name)).filter((r) => r.binding === move.target);
  const live = rows.filter((r) => now - Number(r.last_heartbeat) <= STALE_AFTER_MS);
  // A replica that missed its heartbeats is not waited for (it may never answer); status shows it
  // unknown until it reports the destination, so nothing claims it converged.
  const silent = rows
    .filter((r) => !live.includes(r))
    .map((r) => phase(r, move.target, 'not_asked', `no heartbeat for ${Math.round((now - Number(r.last_heartbeat)) / 1000)} s: not live, not waited for`));
  if (live.length === 0) return { ok: true, replicas: silent };

  const prepareId = deps.ids.uuid();
  const asked = live.map((r) => r.replica_id);
  await commit(deps, async (_trx, append) => {
    await append({
      actor: move.actor,
      type: 'move.prepare',
      model: move.model,
      version: move.to,
      target: move.target,
      from: move.from,
      to: move.to,
      reason: `load and warm version ${move.to} for ${move.target}`,
      details: { prepare_id: prepareId, replicas: asked, cause: move.cause, deadline_ms: deadlineMs },
    });
  });
  const t0 = performance.now();
  const waiting = new Set(asked);
  // Replicas that stopped heartbeating while asked (a crash, a restart under a new name): a dead
  // replica must not hold every move until the deadline; status shows it unknown.
  const gone = new Map<string, string>();
  let answers = await prepareAnswers(deps.db, prepareId);
  for (;;) {
    for (const a of answers) waiting.delete(a.replica_id);
    if (waiting.size === 0 || performance.now() - t0 >= deadlineMs) break;
    await nextNews(prepareId, Math.min(POLL_MS, Math.max(1, deadlineMs - (performance.now() - t0))));
    answers = await prepareAnswers(deps.db, prepareId);
    const seen = new Map((await replicasOf(deps.db, move.model.name)).map((r) => [r.replica_id, r]));
    const at = deps.clock.now();
    for (const id of waiting) {
      const r = seen.get(id);
      const silentMs = r ? at - Number(r.last_heartbeat) : Infinity;
      if (silentMs <= STALE_AFTER_MS || answers.some((a) => a.replica_id === id)) continue;
      waiting.delete(id);
      gone.set(id, r ? `stopped heartbeating while asked (${Math.round(silentMs / 1000)} s): not waited for` : 'left while asked: not waited for');
    }
  }
  const byReplica = new Map(answers.map((a) => [a.replica_id, a]));
  const replicas = live.map((r) => {
    const a = byReplica.get(r.replica_id);
    const lost = gone.get(r.replica_id);
    if (!a && lost) return phase(r, move.target, 'silent', lost);
    if (!a) return phase(r, move.target, 'timeout', `no answer within ${deadlineMs} ms`);
    return phase(r, move.target, a.ready ? 'ready' : 'failed', a.reason, a.ms === null ? null : round(Number(a.ms)));
  });
  return { ok: replicas.every((r) => r.prepare === 'ready' || r.prepare === 'silent'), replicas: [...replicas, ...silent] };
}

/** Serving the destination, having read the move: the replica's confirmation. */
function confirmed(r: GatewayReplicasTable | undefined, move: PlannedMove, eventId: number): boolean {
  return !!r && r.state === 'serving' && r.version !== null && Number(r.version) === move.to && r.feed_position !== null && Number(r.feed_position) >= eventId;
}

async function confirm(deps: Deps, move: PlannedMove, eventId: number, replicas: ReplicaPhase[], deadlineMs: number): Promise<void> {
  const waiting = replicas.filter((r) => r.prepare === 'ready' && r.target === move.target);
  const t0 = performance.now();
  for (;;) {
    const rows = new Map((await replicasOf(deps.db, move.model.name)).map((r) => [r.replica_id, r]));
    for (const r of waiting) {
      if (r.confirm === null && confirmed(rows.get(r.replica_id), move, eventId)) {
        r.confirm = 'serving';
        r.confirm_ms = round(performance.now() - t0);
      }
    }
    if (waiting.every((r) => r.confirm !== null) || performance.now() - t0 >= deadlineMs) break;
    await nextNews(move.model.name, Math.min(POLL_MS, Math.max(1, deadlineMs - (performance.now() - t0))));
  }
  for (const r of waiting) {
    if (r.confirm !== null) continue;
    r.confirm = 'unconfirmed';
    r.reason = `did not report serving version ${move.to} within ${deadlineMs} ms`;
  }
}

/**
 * The prepares still within their deadline: a replica that reconnects takes a fresh snapshot, which
 * carries them (the serving extension's restoreEvents), so one it missed while away is still answered.
 */
export async function pendingPrepares(deps: Deps): Promise<RegistryEvent[]> {
  const since = deps.clock.now() - deps.config.prepareDeadlineMs;
  const page = await listEvents(deps, { types: ['move.prepare'], sinceMs: since, order: 'asc', limit: 1000 });
  return page.events;
}

export const servingCoordinator: MoveCoordinator = { prepare, confirm };
