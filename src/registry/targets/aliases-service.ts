// Aliases: named, movable pointers to one version (models:/name@champion).
import type { Deps, PlannedMove } from '../deps.js';
import { notFound } from '../../errors.js';
import type { Db } from '../../db/tables.js';
import { commit, type Append } from '../events/events-service.js';
import { aliasTarget } from '../events/events.js';
import { requireModel } from '../models/models-service.js';
import { findAlias, removeAlias, storeAlias } from '../versions/pointers-service.js';
import { loadVersionView, requireVersion } from '../versions/versions-service.js';
import { validateAlias } from '../versions/versions.js';
import { checkEntry, refuseFailed } from './entry.js';
import { checkHolder, checkRevision, type Aim } from './preconditions.js';
import { phasedMove } from './phases.js';
import { claimTargets, movedConcurrently, readRevision, settle } from './targets-store.js';

/** Points the alias at `version` (insert or move) and records the move. */
export async function writeAlias(
  deps: Deps,
  trx: Db,
  append: Append,
  model: { id: string; name: string },
  alias: string,
  version: number,
  meta: { actor: string; reason: string | null; cause: string; forced?: boolean },
): Promise<void> {
  const existing = await findAlias(trx, model.id, alias);
  if (existing?.version === version) return;
  await storeAlias(trx, model.id, alias, version, deps.clock.now(), !!existing);
  await append({
    actor: meta.actor,
    type: 'alias.set',
    model,
    version,
    target: aliasTarget(alias),
    from: existing?.version ?? null,
    to: version,
    reason: meta.reason,
    details: { cause: meta.cause, ...(meta.forced ? { forced: true } : {}) },
  });
}

/** What an alias move may carry beyond the version: the state the caller saw (preconditions.ts), and force. */
export interface AliasMove extends Aim {
  /** Point it at a version marked failed: an admin override, with a reason (the route checks the role). */
  force?: boolean;
}

export async function setAlias(
  deps: Deps,
  actor: string,
  modelName: string,
  aliasInput: string,
  version: number,
  reason?: string,
  move: AliasMove = {},
) {
  const alias = validateAlias(aliasInput);
  const target = aliasTarget(alias);
  const { model, row } = await requireVersion(deps.db, modelName, version);
  const unchanged = (await findAlias(deps.db, model.id, alias))?.version === version;
  if (!unchanged) {
    // The same rules as any entry into a serving target (entry.ts), before the transaction: an
    // evaluation must not hold the write lock.
    refuseFailed(row, modelName, target, move.force);
    await checkEntry(deps, { actor, model, row, target, via: 'alias', reason: reason ?? null, force: move.force });
  }
  const revision = await readRevision(deps.db, model.id, target);
  checkRevision(revision, move);
  // What the replicas serving the alias must prepare: nothing when it already points there.
  const holder = (await findAlias(deps.db, model.id, alias))?.version ?? null;
  const moves: PlannedMove[] = unchanged ? [] : [{ actor, model, target, from: holder, to: version, cause: 'alias' }];
  const { claimed, phases } = await phasedMove(deps, moves, async () => {
    await settle();
    let eventId = 0;
    const claimed = await commit(
      deps,
      async (trx, appendEvent) => {
        const append: Append = async (e) => (eventId = await appendEvent(e));
        const [claimed] = await claimTargets(trx, model.id, [revision]);
        await checkHolder(trx, model.id, target, move);
        const { row: current } = await requireVersion(trx, modelName, version);
        if (!unchanged) refuseFailed(current, modelName, target, move.force);
        const forced = !unchanged && current.health === 'failed';
        await writeAlias(deps, trx, append, model, alias, version, { actor, reason: reason ?? null, cause: 'set', forced });
        return claimed;
      },
      () => movedConcurrently(target),
    );
    return { claimed, eventId };
  });
  return { view: await loadVersionView(deps.db, modelName, version), revision: claimed.revision, phases };
}

export async function deleteAlias(deps: Deps, actor: string, modelName: string, alias: string, reason?: string, move: AliasMove = {}) {
  const model = await requireModel(deps.db, modelName);
  const target = aliasTarget(alias);
  const revision = await readRevision(deps.db, model.id, target);
  checkRevision(revision, move);
  await settle();
  await commit(
    deps,
    async (trx, append) => {
      await claimTargets(trx, model.id, [revision]);
      await checkHolder(trx, model.id, target, move);
      const existing = await findAlias(trx, model.id, alias);
      if (!existing) throw notFound(`model "${modelName}" has no alias "${alias}"`);
      await removeAlias(trx, model.id, alias);
      await append({
        actor,
        type: 'alias.deleted',
        model,
        version: existing.version,
        target,
        from: existing.version,
        to: null,
        reason: reason ?? null,
      });
    },
    () => movedConcurrently(target),
  );
}

export async function getAlias(deps: Deps, modelName: string, alias: string) {
  const model = await requireModel(deps.db, modelName);
  // The revision first: an ETag older than the answer only makes a later If-Match fail safe.
  const { revision } = await readRevision(deps.db, model.id, aliasTarget(alias));
  const row = await findAlias(deps.db, model.id, alias);
  if (!row) throw notFound(`model "${modelName}" has no alias "${alias}"`);
  return { view: await loadVersionView(deps.db, modelName, row.version), revision };
}
