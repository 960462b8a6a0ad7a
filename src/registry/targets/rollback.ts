// Rollback — the heart of Stagecraft. One transaction moves a target (a stage or an alias) from its
// current version back to the last known good one, keeps the bad version (marked failed, with the
// reason, archived when the target is a stage) and records who, when, why, from and to. It reuses
// the same moves, revision claims and events as a manual promotion, so gateways follow it the same way.
// A destination that held the target before goes straight back; any other clears the gates and
// approvals a promotion would (entry.ts); a failed one needs force (an admin's, with the reason).
import type { Deps, PlannedMove } from '../deps.js';
import { conflict, invalid, notFound } from '../../errors.js';
import { commit } from '../events/events-service.js';
import { aliasTarget, stageTarget } from '../events/events.js';
import { requireModel } from '../models/models-service.js';
import { findVersionRow, writeHealth } from '../versions/pointers-service.js';
import { canonicalStage, SERVING_STAGES, validateAlias, type VersionRow } from '../versions/versions.js';
import { writeAlias } from './aliases-service.js';
import { currentHolder, holdings, lastKnownGood, skipReason, type Considered } from './holders.js';
import { checkEntry } from './entry.js';
import { checkRevision, type Aim } from './preconditions.js';
import { checkProtectedChange, isProtected } from './protected.js';
import { moveVersion } from './stages-service.js';
import { isPrepareFailure, phasedMove, type MovePhases } from './phases.js';
import { claimTargets, movedConcurrently, readRevision, settle, type TargetRevision } from './targets-store.js';

export interface RollbackInput {
  stage?: string;
  alias?: string;
  to_version?: number;
  /** Precondition: the version the caller saw holding the target (the UI and CLI send it). */
  from_version?: number;
  reason: string;
  /** Allow an explicit to_version that is marked failed: an admin override (the route checks the role). */
  force?: boolean;
  /** Evidence attached by the guard (rule, measured value, threshold, samples). */
  evidence?: Record<string, unknown>;
}

export interface RollbackResult {
  name: string;
  target: string;
  from_version: number;
  to_version: number;
  reason: string;
  event_id: number;
  archived_versions: number[];
  /** The target's revision after the rollback (the route answers it as ETag). */
  revision: number;
  /** Prepare, commit, confirm: each replica's outcome and each phase's time. */
  phases: MovePhases;
}

type Target = { kind: 'stage'; stage: string; key: string } | { kind: 'alias'; alias: string; key: string };

function parseTarget(input: RollbackInput): Target {
  if (input.stage && input.alias) throw invalid('roll back either a stage or an alias, not both');
  if (input.alias) {
    const alias = validateAlias(input.alias);
    return { kind: 'alias', alias, key: aliasTarget(alias) };
  }
  const stage = canonicalStage(input.stage ?? 'Production');
  if (!(SERVING_STAGES as string[]).includes(stage)) throw invalid(`cannot roll back stage ${stage}; roll back Staging or Production`);
  return { kind: 'stage', stage, key: stageTarget(stage) };
}

/**
 * How long after a rollback of a target another rollback of it that names no from_version is taken as
 * aimed at the version just rolled back from. Nobody can see the new holder and judge it bad this
 * fast; a burst of rollbacks this close together is people (or scripts) reacting to the same
 * incident. Without it, on SQLite each request of a burst runs start to finish before the next one
 * is even read, each sees the previous one's destination as "now", and Production goes back ten
 * times. With it, both databases give one winner.
 */
export const ROLLBACK_SETTLE_MS = 2000;

/** How many last-known-good candidates the guard tries when one cannot be prepared, before it alerts. */
export const GUARD_CANDIDATES = 3;

/** Who asks, beyond the actor's name: what only in-process callers set, never a request body. */
export interface RollbackOptions {
  /** Candidates to try when a destination cannot be prepared (the guard's GUARD_CANDIDATES; people get the 409). */
  candidates?: number;
  /**
   * Set by the guard: nobody is there to wait for. On a protected model it does not wait for an
   * approval; it rolls back at once and reports that it did (`approval.bypassed`).
   */
  automatic?: boolean;
  /** An approved request's clearance (a person's rollback of a protected model's Production). */
  clearance?: Record<string, unknown>;
}

export async function rollback(
  deps: Deps,
  actor: string,
  modelName: string,
  input: RollbackInput,
  precondition: Pick<Aim, 'ifMatch'> = {},
  options: RollbackOptions = {},
): Promise<RollbackResult> {
  const candidates = options.candidates ?? 1;
  // The moment this request arrived: the holder then is its precondition (see ROLLBACK_SETTLE_MS).
  const arrivedAt = deps.clock.now();
  if (!input.reason || !input.reason.trim()) throw invalid('a reason is required to roll back');
  const reason = input.reason.trim();
  const target = parseTarget(input);
  const model = await requireModel(deps.db, modelName);
  // The revision this request saw: a concurrent promotion or rollback of the same target makes the
  // claim below fail with 409 instead of both applying.
  const revision = await readRevision(deps.db, model.id, target.key);
  checkRevision(revision, precondition);
  const from = await currentHolder(deps.db, model.id, target.key);
  if (from === null) throw conflict(`nothing to roll back: no version of "${modelName}" holds ${target.key}`);
  if (input.from_version !== undefined && input.from_version !== from) {
    throw conflict(`${target.key} is held by version ${from}, not ${input.from_version}: it moved since you looked; nothing was changed`, {
      reason: 'concurrent_change',
    });
  }
  if (input.from_version === undefined && precondition.ifMatch === undefined) await refuseRepeat(deps, model.id, target.key, arrivedAt);

  // Candidates whose prepare failed, with why: the next try passes over them; the last 409 lists them.
  const unprepared = new Map<number, string>();
  for (;;) {
    const { to, considered } = await destination(deps, actor, model, target, from, input, unprepared);
    if (target.kind === 'stage' && target.stage === 'Production' && !options.automatic) {
      // A person's rollback of a protected model waits for a second deployer: the request names this destination.
      await checkProtectedChange(deps, model, {
        actor,
        model,
        kind: 'rollback',
        version: to.version,
        stage: 'Production',
        from_version: from,
        from_stage: 'Production',
        reason,
        archive_existing_versions: true,
        clearance: options.clearance,
      });
    }
    const bypassed = !!options.automatic && isProtected(model);
    const move: PlannedMove = { actor, model, target: target.key, from, to: to.version, cause: 'rollback' };
    try {
      const done = await phasedMove(deps, [move], () => commitRollback(deps, actor, model, target, revision, from, to, reason, input, considered, bypassed));
      return {
        name: modelName,
        target: target.key,
        from_version: from,
        to_version: to.version,
        reason,
        event_id: done.eventId,
        archived_versions: done.archived,
        revision: done.revision,
        phases: done.phases,
      };
    } catch (err) {
      if (!isPrepareFailure(err) || input.to_version !== undefined || unprepared.size + 1 >= candidates) throw err;
      unprepared.set(to.version, `could not be prepared: ${(err as Error).message}`);
      deps.log.warn({ model: modelName, target: target.key, version: to.version }, 'rollback destination could not be prepared; trying the next candidate');
    }
  }
}

/** The version to go back to: the one asked for (if it may take the target), else the last known good. */
async function destination(
  deps: Deps,
  actor: string,
  model: { id: string; name: string },
  target: Target,
  from: number,
  input: RollbackInput,
  unprepared: ReadonlyMap<number, string>,
): Promise<{ to: VersionRow; considered: Considered[] }> {
  if (input.to_version !== undefined) {
    const row = await findVersionRow(deps.db, model.id, input.to_version);
    if (!row) throw notFound(`model "${model.name}" has no version ${input.to_version}`);
    if (row.version === from) throw conflict(`version ${from} already holds ${target.key}`);
    const skipped = skipReason(row);
    if (skipped && !(input.force && row.health === 'failed' && row.status === 'READY')) {
      const hint = row.health === 'failed' ? '; force (an admin override, with a reason) uses it anyway' : '';
      throw conflict(`cannot roll back to version ${row.version}: ${skipped}${hint}`, { reason: row.health === 'failed' ? 'version_failed' : 'not_ready' });
    }
    // No side door: a version that never held the target clears the same gates and approvals as a
    // promotion into it (entry.ts); one that held it goes straight back, as the guard's choice does.
    await checkEntry(deps, { actor, model, row, target: target.key, via: 'rollback', reason: input.reason.trim(), force: input.force });
    return { to: row, considered: [] };
  }
  const found = await lastKnownGood(deps.db, model.id, target.key, from, unprepared);
  if (!found.pick) {
    const list = found.considered.length ? found.considered.map((c) => `v${c.version} (${c.skipped})`).join(', ') : 'no earlier version ever held it';
    throw conflict(`no version to roll back ${target.key} of "${model.name}" to; considered: ${list}`, { considered: found.considered });
  }
  return { to: found.pick, considered: found.considered };
}

/** The commit phase: the destination takes the target, the bad version is marked failed, one rollback event. */
async function commitRollback(
  deps: Deps,
  actor: string,
  model: { id: string; name: string },
  target: Target,
  revision: TargetRevision,
  from: number,
  to: VersionRow,
  reason: string,
  input: RollbackInput,
  considered: Considered[],
  /** An automatic rollback of a protected model: it did not wait for an approval, and says so. */
  bypassed: boolean,
): Promise<{ eventId: number; archived: number[]; revision: number }> {
  await settle();
  return commit(
    deps,
    async (trx, append) => {
      const [claimed] = await claimTargets(trx, model.id, [revision]);
      if ((await currentHolder(trx, model.id, target.key)) !== from) throw movedConcurrently(target.key);
      const toRow = await findVersionRow(trx, model.id, to.version);
      const forced = toRow?.health === 'failed';
      const meta = { actor, reason, cause: 'rollback', forced };
      let archived: number[] = [];
      if (target.kind === 'stage') {
        archived = await moveVersion(deps, trx, append, model, toRow!, target.stage as 'Production', { ...meta, archiveExisting: true });
      } else {
        await writeAlias(deps, trx, append, model, target.alias, to.version, meta);
      }
      // The bad version is kept, marked failed with the reason, so nothing rolls forward onto it.
      const fromRow = (await findVersionRow(trx, model.id, from))!;
      const failedReason = `rolled back from ${target.key}: ${reason}`;
      await writeHealth(trx, fromRow.id, 'failed', failedReason, deps.clock.now());
      await append({ actor, type: 'version.health_changed', model, version: from, from: fromRow.health, to: 'failed', reason: failedReason, details: { cause: 'rollback', ...(input.evidence ? { evidence: input.evidence } : {}) } });
      const eventId = await append({
        actor,
        type: 'rollback',
        model,
        version: to.version,
        target: target.key,
        from,
        to: to.version,
        reason,
        details: {
          considered,
          archived_versions: archived,
          explicit: input.to_version !== undefined,
          ...(forced ? { forced: true } : {}),
          ...(input.evidence ? { evidence: input.evidence } : {}),
          ...(bypassed ? { approval_bypassed: true } : {}),
        },
      });
      if (bypassed) {
        await append({
          actor,
          type: 'approval.bypassed',
          model,
          version: to.version,
          target: target.key,
          from,
          to: to.version,
          reason: `automatic rollback of protected "${model.name}" by ${actor}: applied at once without a second deployer's approval (a bad model must not wait for a person): ${reason}`,
          details: { automatic: true, rollback_event_id: eventId },
        });
      }
      return { eventId, archived, revision: claimed.revision };
    },
    () => movedConcurrently(target.key),
  );
}

/**
 * Refuses a rollback that names no from_version when the target was itself rolled back less than
 * ROLLBACK_SETTLE_MS before this request arrived: the request was aimed at the version that was
 * just rolled back from, and going back again would stack rollbacks.
 */
async function refuseRepeat(deps: Deps, modelId: string, target: string, arrivedAt: number): Promise<void> {
  const last = (await holdings(deps.db, modelId, target)).at(-1);
  if (!last || (last.event.details as { cause?: string }).cause !== 'rollback') return;
  const ago = arrivedAt - last.event.time_ms;
  if (ago >= ROLLBACK_SETTLE_MS) return;
  const e = last.event;
  throw conflict(
    `${target} was rolled back to version ${last.version} by ${e.actor} ${Math.max(0, ago)} ms before this request arrived; ` +
      `a rollback that names no from_version is taken as that same rollback, so nothing was changed. ` +
      `To roll back version ${last.version} too, send from_version: ${last.version}`,
    { reason: 'concurrent_change', target, holder: last.version, event_id: e.id },
  );
}
