// What a version must clear to enter a serving target — the same whichever door it comes through
// (a transition, a rollback with an explicit destination, an alias move, the MLflow door), so there
// is no side door around gates and approvals:
//
// - A version marked failed needs `force` (an admin override with a reason; the routes check the role).
// - A version that already passed the target's checks goes straight in: it held the target before
//   (a rollback returning to it, the guard's last-known-good among them — a bad model must not wait
//   for an evaluation or an approver), or, for an alias, it holds or held Production.
// - Any other version runs the promotion checks of the stage whose rules apply: the stage itself,
//   or Production for an alias (anything can serve from an alias: models:/m@a, bindings, labels).
import type { Db } from '../../db/tables.js';
import type { Deps, PromotionAttempt } from '../deps.js';
import { conflict } from '../../errors.js';
import { stageTarget } from '../events/events.js';
import type { Stage, VersionRow } from '../versions/versions.js';
import { previousHolders } from './holders.js';
import { runPromotionChecks } from './promotion-checks.js';
import { splitTarget } from './targets.js';

/** The stage whose promotion rules apply to `target`. */
export function rulesStage(target: string): Stage {
  const { kind, name } = splitTarget(target);
  return kind === 'stage' ? (name as Stage) : 'Production';
}

/** Refuses a version marked failed unless forced: nothing rolls or moves forward onto it by accident. */
export function refuseFailed(row: VersionRow, modelName: string, target: string, force: boolean | undefined): void {
  if (row.health !== 'failed' || force) return;
  throw conflict(
    `version ${row.version} of "${modelName}" is marked failed (${row.health_reason ?? 'no reason'}); ` +
      `moving it to ${target} needs force — an admin override, with a reason`,
    { reason: 'version_failed' },
  );
}

/** Whether `row` already passed the checks of `target` (see the rules above). */
export async function passedBefore(db: Db, modelId: string, target: string, row: VersionRow): Promise<boolean> {
  if ((await previousHolders(db, modelId, target)).includes(row.version)) return true;
  if (splitTarget(target).kind === 'stage') return false;
  const production = stageTarget('Production');
  return row.stage === 'Production' || (await previousHolders(db, modelId, production)).includes(row.version);
}

/** Runs the promotion checks for `row` entering `target`, unless it already passed them. */
export async function checkEntry(
  deps: Deps,
  attempt: Omit<PromotionAttempt, 'stage' | 'input'> & { reason: string | null; force?: boolean },
): Promise<void> {
  if (await passedBefore(deps.db, attempt.model.id, attempt.target, attempt.row)) return;
  const stage = rulesStage(attempt.target);
  const { reason, force, ...rest } = attempt;
  // A rollback replaces the holder: an approval it opens moves the version in archiving what is there.
  const input = { stage, reason: reason ?? undefined, force, archive_existing_versions: attempt.via === 'rollback' };
  await runPromotionChecks(deps, { ...rest, stage, input });
}
