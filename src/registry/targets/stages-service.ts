// Stage transitions: move a version between None / Staging / Production / Archived, optionally
// archiving the other versions in the target stage in the same transaction.
import type { Deps, PlannedMove, TransitionInput } from '../deps.js';
import { conflict, invalid } from '../../errors.js';
import { commit, type Append, type AppendAll } from '../events/events-service.js';
import type { NewEvent } from '../events/events.js';
import { stageTarget } from '../events/events.js';
import type { Db } from '../../db/tables.js';
import { archiveOthersIn, findVersionRow, versionsInStage, writeStage, writeStageIf } from '../versions/pointers-service.js';
import { touchModel } from '../models/models-service.js';
import { requireVersionForMove } from '../versions/versions-service.js';
import { composeVersionViews } from '../versions/versions-view.js';
import { canonicalStage, SERVING_STAGES, type Stage, type VersionRow } from '../versions/versions.js';
import { refuseFailed } from './entry.js';
import { checkHolder, checkRevision, type Aim } from './preconditions.js';
import { runPromotionChecks } from './promotion-checks.js';
import { phasedMove } from './phases.js';
import { checkProtectedChange } from './protected.js';
import { claimTargets, movedConcurrently, readRevision, revisionsOfModelNamed, settle, type TargetRevision } from './targets-store.js';

/** Revisions of the serving targets a move of `row` into `stage` touches. */
export async function readMoveRevisions(db: Db, modelId: string, fromStage: string, toStage: Stage): Promise<TargetRevision[]> {
  return Promise.all(moveTargets(fromStage, toStage).map((t) => readRevision(db, modelId, t)));
}

function moveTargets(fromStage: string, toStage: Stage): string[] {
  const targets = new Set<string>();
  for (const s of [fromStage, toStage]) if ((SERVING_STAGES as string[]).includes(s)) targets.add(stageTarget(s));
  return [...targets];
}

type MoveMeta = {
  actor: string;
  reason: string | null;
  cause: string;
  archiveExisting: boolean;
  forced?: boolean;
  now?: number;
  /** The stage write already moved the model's last update (writeStageIf's touchModel on PostgreSQL). */
  touched?: boolean;
};

export async function moveVersion(deps: Deps, trx: Db, append: Append, model: { id: string; name: string }, row: VersionRow, stage: Stage, meta: MoveMeta): Promise<number[]> {
  const now = meta.now ?? deps.clock.now();
  if (row.stage !== stage) await writeStage(trx, row.id, stage, now);
  return afterStageWrite(trx, oneByOne(append), model, row, stage, { ...meta, now });
}

/** Several events through a one-event append, in order. */
const oneByOne = (append: Append): AppendAll => async (events) => {
  const ids: number[] = [];
  for (const e of events) ids.push(await append(e));
  return ids;
};

/**
 * What follows the write of `row`'s stage (from `row.stage` to `stage`) in its transaction: the model
 * touched, the event, and with archiveExisting the others in the stage archived (one statement), each
 * with its event. Answers the archived version numbers.
 */
async function afterStageWrite(
  trx: Db,
  appendAll: AppendAll,
  model: { id: string; name: string },
  row: VersionRow,
  stage: Stage,
  meta: MoveMeta & { now: number },
  /** The versions the stage write already archived (writeStageIf), if it did. */
  archivedAlready?: number[],
): Promise<number[]> {
  const { now } = meta;
  const events: NewEvent[] = [];
  if (row.stage !== stage) {
    // A stage move is a change of the model, as MLflow counts it (last_updated_timestamp moves).
    if (!meta.touched) await touchModel(trx, model.id, now);
    events.push({
      actor: meta.actor,
      type: 'version.stage_changed',
      model,
      version: row.version,
      target: stageTarget(stage),
      from: row.stage,
      to: stage,
      reason: meta.reason,
      // forced: a version marked failed, moved by an admin override (the reason says why).
      details: { cause: meta.cause, ...(meta.forced ? { forced: true } : {}) },
    });
  }
  const archiving = meta.archiveExisting && (SERVING_STAGES as string[]).includes(stage);
  const archived = !archiving ? [] : (archivedAlready ?? (await archiveOthersIn(trx, model.id, stage, row.id, now)));
  for (const version of archived) {
    events.push({
      actor: meta.actor,
      type: 'version.stage_changed',
      model,
      version,
      target: stageTarget('Archived'),
      from: stage,
      to: 'Archived',
      reason: meta.reason,
      details: { cause: meta.cause === 'transition' ? 'archive_existing' : meta.cause, replaced_by: row.version },
    });
  }
  // The move's event and the archivings' in one statement on PostgreSQL (one round trip), in this order.
  if (events.length) await appendAll(events);
  return archived;
}

/** The serving target a move from `fromStage` to `toStage` is about: the stage entered, else the one left. */
export function aimedTarget(fromStage: string, toStage: Stage): string | null {
  for (const s of [toStage, fromStage]) if ((SERVING_STAGES as string[]).includes(s)) return stageTarget(s);
  return null;
}

/**
 * The serving targets whose holder a move of `row` into `stage` changes to a version: what the
 * replicas must prepare. A stage's holder is its highest version, so a lower version entering
 * beside a higher one changes nothing, and a version leaving can hand the stage to another.
 */
async function stageMoves(db: Db, actor: string, model: { id: string; name: string }, row: VersionRow, stage: Stage, archive: boolean): Promise<PlannedMove[]> {
  const moves: PlannedMove[] = [];
  for (const s of new Set([row.stage, stage])) {
    if (!(SERVING_STAGES as string[]).includes(s)) continue;
    const before = (await versionsInStage(db, model.id, s)).map((v) => v.version);
    let after = before.filter((v) => v !== row.version);
    if (s === stage) after = archive ? [row.version] : [...after, row.version];
    const from = before.length ? Math.max(...before) : null;
    const to = after.length ? Math.max(...after) : null;
    if (to !== null && to !== from) moves.push({ actor, model, target: stageTarget(s), from, to, cause: 'transition' });
  }
  return moves;
}

export async function transitionStage(
  deps: Deps,
  actor: string,
  modelName: string,
  version: number,
  input: TransitionInput,
  precondition: Pick<Aim, 'ifMatch'> = {},
) {
  const stage = canonicalStage(input.stage);
  // Read before the transaction: the revisions are what this request saw; the claim checks them.
  // On PostgreSQL the model, the version and the model's target revisions are read side by side
  // (one round trip to wait for instead of two); on SQLite, where a query is a function call, as before.
  // With the version come its tags and aliases (one query), which the answer shows and a
  // transition does not change: no reads of them beside or after the move.
  const pg = deps.caps.name === 'postgres';
  const [{ model, row, reads }, known] = await Promise.all([requireVersionForMove(deps.db, modelName, version), pg ? revisionsOfModelNamed(deps.db, modelName) : undefined]);
  const aimed = aimedTarget(row.stage, stage);
  const aim: Aim = { expectedVersion: input.expected_version, ifMatch: precondition.ifMatch };
  if (!aimed && (aim.expectedVersion !== undefined || aim.ifMatch !== undefined)) {
    throw invalid(`moving version ${version} from ${row.stage} to ${stage} moves no serving target; expected_version and If-Match do not apply`);
  }
  // The cheap refusal first: no gate evaluates a version that may not enter anyway.
  if ((SERVING_STAGES as string[]).includes(stage)) refuseFailed(row, modelName, stageTarget(stage), input.force);
  // Checks run before the transaction: evaluating a model must not hold the write lock.
  await runPromotionChecks(deps, { actor, model, row, stage, target: stageTarget(stage), via: 'transition', input });
  // A protected model: a person's move into or out of Production waits for a second deployer (gates first, as above).
  if (row.stage !== stage && (row.stage === 'Production' || stage === 'Production')) {
    await checkProtectedChange(deps, model, {
      actor,
      model,
      kind: 'transition',
      version,
      stage,
      from_version: null,
      from_stage: row.stage,
      reason: input.reason ?? null,
      archive_existing_versions: !!input.archive_existing_versions,
      clearance: input.clearance,
    });
  }
  const revisions = known
    ? moveTargets(row.stage, stage).map((target) => ({ target, revision: known.get(target) ?? null }))
    : await readMoveRevisions(deps.db, model.id, row.stage, stage);
  const aimedRead = revisions.find((r) => r.target === aimed);
  if (aimedRead) checkRevision(aimedRead, aim);
  // The moves only tell the replicas what to prepare: a registry with no gateway reads none.
  const moves = deps.moveCoordinators.length ? await stageMoves(deps.db, actor, model, row, stage, !!input.archive_existing_versions) : [];
  const { archived, claimed, moved, phases } = await phasedMove(deps, moves, async () => {
    await settle();
    let eventId = 0;
    const result = await commit(
      deps,
      async (trx, _append, appendEvents) => {
        // The last event of the move: every replica must have read it to confirm.
        const appendAll: AppendAll = async (es) => {
          const ids = await appendEvents(es);
          if (ids.length) eventId = ids[ids.length - 1];
          return ids;
        };
        // On PostgreSQL a move between stages of one serving target already claimed once is claimed
        // in the stage write's own statement (a round trip less); the claim still comes first there
        // (see moveVersionRowIf). expected_version reads the holder between the claim and the write,
        // so it keeps the claim apart, as do a first claim (an insert) and a move of two targets.
        const [only] = revisions;
        const fold = pg && row.stage !== stage && aim.expectedVersion === undefined && revisions.length === 1 && only.revision !== null ? { target: only.target, revision: only.revision } : undefined;
        const claimed = fold ? [{ target: fold.target, revision: fold.revision + 1 }] : await claimTargets(trx, model.id, revisions);
        if (aimed) await checkHolder(trx, model.id, aimed, aim);
        const entering = (SERVING_STAGES as string[]).includes(stage);
        // Why the version may not move now, read again in the transaction (it may have moved since).
        const check = (found: VersionRow | undefined): VersionRow => {
          if (!found || found.stage !== row.stage) throw movedConcurrently(stageTarget(stage));
          if (entering) {
            if (found.status !== 'READY') {
              throw conflict(`version ${version} of "${modelName}" is ${found.status}; only READY versions can enter ${stage}`);
            }
            refuseFailed(found, modelName, stageTarget(stage), input.force);
          }
          return found;
        };
        const now = deps.clock.now();
        const archiveExisting = !!input.archive_existing_versions;
        let moved: VersionRow;
        let archivedAlready: number[] | undefined;
        let touched = false;
        if (row.stage === stage) {
          moved = check(await findVersionRow(trx, model.id, version));
        } else {
          // The re-check, the write and the archiving of the others in one statement; only when it
          // moves nothing is the row read, for why (the throw rolls back whatever it archived).
          const written = await writeStageIf(trx, model.id, version, {
            from: row.stage,
            to: stage,
            now,
            ready: entering,
            allowFailed: !entering || !!input.force,
            archiveOthers: archiveExisting && entering,
            touchModel: true,
            claim: fold,
          });
          if (!written.moved) {
            check(await findVersionRow(trx, model.id, version));
            // The version is where it was: the target moved (the claim found another revision).
            throw movedConcurrently(fold ? fold.target : stageTarget(stage));
          }
          moved = written.moved;
          touched = written.touched;
          if (archiveExisting && entering) archivedAlready = written.archived;
        }
        // `moved` is the row as this transaction left it, so the answer needs no second read.
        const archived = await afterStageWrite(trx, appendAll, model, { ...moved, stage: row.stage }, stage, {
          actor,
          reason: input.reason ?? null,
          cause: 'transition',
          archiveExisting,
          forced: entering && moved.health === 'failed',
          now,
          touched,
        }, archivedAlready);
        return { archived, claimed, moved };
      },
      () => movedConcurrently(stageTarget(stage)),
    );
    return { ...result, eventId };
  });
  const [view] = composeVersionViews([{ ...moved, model_name: model.name }], reads);
  return {
    version: view,
    archived_versions: archived,
    /** The aimed target's revision after the move (the route answers it as ETag). */
    revision: claimed.find((r) => r.target === aimed)?.revision ?? null,
    /** Prepare, commit, confirm on the replicas serving the targets it moved. */
    phases,
  };
}
