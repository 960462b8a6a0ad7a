// Who holds a serving target (a stage or an alias of one model) now, and who held it before,
// replayed from the audit log, the source of history. The one definition of "the previous holder"
// and of "the last known good version": the history endpoint, rollback, the guard's baseline and the
// gateway's warm standby all come from here. (web/src/lib/last-good.ts mirrors lastKnownGood over
// the history entries for the rollback dialog: the browser cannot import this file.)
import type { Db } from '../../db/tables.js';
import { modelEvents } from '../events/events-service.js';
import type { RegistryEvent } from '../events/events.js';
import { findAlias, findVersionRow, versionsInStage } from '../versions/pointers-service.js';
import type { VersionRow } from '../versions/versions.js';
import { splitTarget } from './targets.js';

/** The version holding the target now: the highest live version in the stage, or what the alias points at. */
export async function currentHolder(db: Db, modelId: string, target: string): Promise<number | null> {
  const { kind, name } = splitTarget(target);
  if (kind === 'alias') return (await findAlias(db, modelId, name))?.version ?? null;
  return (await versionsInStage(db, modelId, name))[0]?.version ?? null;
}

/** A change of holder: from this event on, `version` held the target (null: nothing did). */
export interface Holding {
  version: number | null;
  event: RegistryEvent;
}

/**
 * Every change of holder of the target, oldest first. For a stage the holder is the highest version
 * in it (what models:/name/<stage> resolves to), so a lower version entering beside a higher one
 * never held it; for an alias, the version it points at.
 */
export async function holdings(db: Db, modelId: string, target: string): Promise<Holding[]> {
  const { kind, name } = splitTarget(target);
  const events = await modelEvents(db, modelId, kind === 'alias' ? ['alias.set', 'alias.deleted'] : ['version.stage_changed']);
  const inStage = new Set<number>();
  let holder: number | null = null;
  const changes: Holding[] = [];
  for (const e of events) {
    let next: number | null;
    if (kind === 'alias') {
      if (e.target !== target) continue;
      next = e.type === 'alias.set' ? Number(e.to) : null;
    } else {
      if (e.from !== name && e.to !== name) continue;
      if (e.to === name) inStage.add(e.version!);
      else inStage.delete(e.version!);
      next = inStage.size ? Math.max(...inStage) : null;
    }
    if (next === holder) continue;
    holder = next;
    changes.push({ version: next, event: e });
  }
  return changes;
}

/** The versions that held the target, most recent first, each once, leaving out `current`. */
export async function previousHolders(db: Db, modelId: string, target: string, current: number | null = null): Promise<number[]> {
  const seen: number[] = [];
  for (const h of (await holdings(db, modelId, target)).reverse()) {
    if (h.version !== null && h.version !== current && !seen.includes(h.version)) seen.push(h.version);
  }
  return seen;
}

/** Why a version cannot be gone back to; null when it can. */
export function skipReason(row: VersionRow | undefined): string | null {
  if (!row) return 'deleted';
  if (row.status !== 'READY') return `status ${row.status}`;
  if (row.health === 'failed') return `marked failed${row.health_reason ? `: ${row.health_reason}` : ''}`;
  return null;
}

export interface Considered {
  version: number;
  skipped: string | null;
}

/**
 * Versions that never served while they held the target: every time one held it, a gateway
 * reported it failed to load (gateway.load_failed), so going back to it would leave the fleet on
 * the version being rolled back from. Answers why, by version.
 */
export async function neverServed(db: Db, modelId: string, target: string): Promise<Map<number, string>> {
  const changes = await holdings(db, modelId, target);
  const failures = (await modelEvents(db, modelId, ['gateway.load_failed'])).filter((e) => e.target === target);
  const served = new Set<number>();
  const failedOnly = new Map<number, string>();
  changes.forEach((h, i) => {
    if (h.version === null) return;
    const until = changes[i + 1]?.event.id ?? Infinity;
    const failure = failures.find((f) => f.version === h.version && f.id > h.event.id && f.id < until);
    if (!failure) served.add(h.version);
    else failedOnly.set(h.version, `never served while holding ${target}: ${failure.actor} could not load it (${failure.reason ?? 'load failed'})`);
  });
  for (const v of served) failedOnly.delete(v);
  return failedOnly;
}

/**
 * The last known good version of the target while `current` holds it: the most recent previous holder
 * that is not failed, deleted, unready or never served there; one marked stable beats one of unknown
 * health. `passOver` adds versions to skip, with why (the guard's candidates whose prepare failed).
 * `considered` says what was looked at and why each was passed over.
 */
export async function lastKnownGood(
  db: Db,
  modelId: string,
  target: string,
  current: number,
  passOver: ReadonlyMap<number, string> = new Map(),
): Promise<{ pick: VersionRow | undefined; considered: Considered[] }> {
  const considered: Considered[] = [];
  const ok: VersionRow[] = [];
  const unserved = await neverServed(db, modelId, target);
  for (const v of await previousHolders(db, modelId, target, current)) {
    const row = await findVersionRow(db, modelId, v);
    const skipped = skipReason(row) ?? passOver.get(v) ?? unserved.get(v) ?? null;
    considered.push({ version: v, skipped });
    if (!skipped && row) ok.push(row);
  }
  return { pick: ok.find((r) => r.health === 'stable') ?? ok[0], considered };
}
