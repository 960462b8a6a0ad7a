// A version's pointers as stored: the stage column of its row and the aliases naming it. The targets
// module moves them (claiming the target's revision, running promotion checks, appending the events)
// through these functions; versions only stores them, so models:/ URIs and version views read them
// without depending on targets. Each takes `db` so it runs inside the caller's transaction.
import type { Db } from '../../db/tables.js';
import {
  archiveVersionsIn,
  deleteAliasRow,
  findAlias as findAliasRow,
  findVersion,
  liveVersionsIn,
  moveVersionRowIf,
  putAlias,
  updateVersionRow,
  type VersionRow,
} from './versions-store.js';
import type { Health, Stage } from './versions.js';

/** The live version row, or undefined when it does not exist or was deleted. */
export function findVersionRow(db: Db, modelId: string, version: number): Promise<VersionRow | undefined> {
  return findVersion(db, modelId, version);
}

/** Live versions in a stage, highest first: the first is what holds it (what models:/name/<stage> means). */
export function versionsInStage(db: Db, modelId: string, stage: string): Promise<VersionRow[]> {
  return liveVersionsIn(db, modelId, stage);
}

export async function writeStage(db: Db, versionId: string, stage: Stage, now: number): Promise<void> {
  await updateVersionRow(db, versionId, { stage, updated_at: now });
}

/**
 * Writes the stage only if the version is still where the caller read it (see moveVersionRowIf),
 * archiving the others in the stage in the same statement when asked: the row as written (undefined
 * when it moved, is not READY, or is failed and not forced) and the archived versions.
 */
export function writeStageIf(
  db: Db,
  modelId: string,
  version: number,
  move: { from: string; to: Stage; now: number; ready: boolean; allowFailed: boolean; archiveOthers: boolean; touchModel?: boolean; claim?: { target: string; revision: number } },
): Promise<{ moved: VersionRow | undefined; archived: number[]; touched: boolean; claimed: boolean }> {
  return moveVersionRowIf(db, modelId, version, move);
}

/** Moves every other live version in `stage` to Archived: their numbers, highest first. */
export function archiveOthersIn(db: Db, modelId: string, stage: Stage, keepId: string, now: number): Promise<number[]> {
  return archiveVersionsIn(db, modelId, stage, keepId, now);
}

export async function writeHealth(db: Db, versionId: string, health: Health, reason: string | null, now: number): Promise<void> {
  await updateVersionRow(db, versionId, { health, health_reason: reason, updated_at: now });
}

export function findAlias(db: Db, modelId: string, alias: string) {
  return findAliasRow(db, modelId, alias);
}

/** Points the alias at `version` (`exists`: the alias row is there to move, else it is inserted). */
export async function storeAlias(db: Db, modelId: string, alias: string, version: number, now: number, exists: boolean): Promise<void> {
  await putAlias(db, modelId, alias, version, now, exists);
}

export async function removeAlias(db: Db, modelId: string, alias: string): Promise<void> {
  await deleteAliasRow(db, modelId, alias);
}
