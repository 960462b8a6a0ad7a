// Prepare, commit, confirm: how every move of a served target (a rollback by a person or the
// guard, a promotion, an alias move, a canary's completion) reaches the fleet.
//
// - prepare: every live replica serving the target loads and warms the destination beside the
//   version it serves (a warm standby counts at once) and says so, or says why it cannot;
// - commit: the pointer moves in one transaction with its event — only if every replica is ready
//   before the deadline. A failed prepare commits nothing: it is recorded with each replica's reason
//   (rollback.prepare_failed / move.prepare_failed, which webhooks deliver) and answered as a 409;
// - confirm: each ready replica reports serving the destination; the answer names who did and when.
//
// The kernel runs the phases; which replicas there are and how they are asked is serving/'s part
// (a MoveCoordinator, collected from the extensions by buildServer). Without one — a registry with
// no gateway — a move is just its commit.
import { performance } from 'node:perf_hooks';
import type { Deps, PlannedMove, ReplicaPhase } from '../deps.js';
import { conflict } from '../../errors.js';
import { commit } from '../events/events-service.js';

/** Each replica's outcome and how long each phase took, in milliseconds. */
export interface MovePhases {
  prepare_ms: number;
  commit_ms: number;
  confirm_ms: number;
  /** Every ready replica reported serving the destination before the deadline. */
  confirmed: boolean;
  replicas: ReplicaPhase[];
}

const round = (ms: number) => Math.round(ms * 10) / 10;

function describe(r: ReplicaPhase): string {
  return `${r.replica_id}: ${r.prepare}${r.reason ? ` (${r.reason})` : ''}`;
}

/** Records a prepare that failed (who could not, and why) and answers the 409 that says so. */
async function prepareFailed(deps: Deps, move: PlannedMove, replicas: ReplicaPhase[], ms: number): Promise<Error> {
  const failed = replicas.filter((r) => r.prepare === 'failed' || r.prepare === 'timeout');
  const reason = `version ${move.to} could not be prepared on ${failed.map(describe).join('; ')}`;
  await commit(deps, async (_trx, append) => {
    await append({
      actor: move.actor,
      type: move.cause === 'rollback' ? 'rollback.prepare_failed' : 'move.prepare_failed',
      model: move.model,
      version: move.to,
      target: move.target,
      from: move.from,
      to: move.to,
      reason,
      details: { cause: move.cause, prepare_ms: round(ms), replicas },
    });
  });
  return conflict(`nothing was changed: ${move.target} of "${move.model.name}" still holds ${move.from === null ? 'nothing' : `version ${move.from}`}; ${reason}`, {
    reason: 'prepare_failed',
    target: move.target,
    to_version: move.to,
    replicas,
  });
}

/**
 * Runs the three phases around `work` (the move's transaction, answering the id of the last event
 * it appended: the position every replica must have read to confirm). `moves` are the targets whose
 * holder the work changes to a version (a transition may change two; none: nothing to prepare).
 * Throws a 409 when a prepare fails; otherwise answers the work's result with the phases.
 */
export async function phasedMove<T extends { eventId: number }>(deps: Deps, moves: PlannedMove[], work: () => Promise<T>): Promise<T & { phases: MovePhases }> {
  const deadline = deps.config.prepareDeadlineMs;
  const t0 = performance.now();
  const prepared: Array<{ move: PlannedMove; replicas: ReplicaPhase[] }> = [];
  for (const move of moves) {
    const replicas: ReplicaPhase[] = [];
    let ok = true;
    for (const c of deps.moveCoordinators) {
      const report = await c.prepare(deps, move, deadline);
      replicas.push(...report.replicas);
      ok &&= report.ok;
    }
    if (!ok) throw await prepareFailed(deps, move, replicas, performance.now() - t0);
    prepared.push({ move, replicas });
  }
  const t1 = performance.now();
  const result = await work();
  const t2 = performance.now();
  for (const { move, replicas } of prepared) {
    for (const c of deps.moveCoordinators) await c.confirm(deps, move, result.eventId, replicas, deadline);
  }
  const t3 = performance.now();
  const replicas = prepared.flatMap((p) => p.replicas);
  const confirmed = replicas.every((r) => r.prepare !== 'ready' || r.confirm === 'serving');
  return { ...result, phases: { prepare_ms: round(t1 - t0), commit_ms: round(t2 - t1), confirm_ms: round(t3 - t2), confirmed, replicas } };
}

/** Whether an error is a failed prepare (the guard then tries the next candidate). */
export function isPrepareFailure(err: unknown): boolean {
  return (err as { details?: { reason?: string } })?.details?.reason === 'prepare_failed';
}
