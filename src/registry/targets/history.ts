// History of a serving target, replayed from the audit log (holders.ts): which version held it, from
// when to when, and who moved it there and why. Answers "which version held Production at time T".
import type { Deps } from '../deps.js';
import { invalid } from '../../errors.js';
import { aliasTarget, stageTarget } from '../events/events.js';
import { requireModel } from '../models/models-service.js';
import { canonicalStage, validateAlias } from '../versions/versions.js';
import { holdings } from './holders.js';
import { readRevision } from './targets-store.js';

export interface HistoryEntry {
  version: number | null;
  from: string;
  until: string | null;
  actor: string;
  reason: string | null;
  event_id: number;
  cause: string;
  automatic: boolean;
}

export interface HistoryAnswer {
  name: string;
  target: string;
  entries: HistoryEntry[];
  at?: { time: string; version: number | null };
  /** The target's revision when its history was read (answered as ETag; a move's If-Match). */
  revision: number | null;
}

/** Actors that act on their own (the guard, rollouts) rather than a person. */
const AUTOMATIC_ACTORS = new Set(['guard', 'rollout']);

export async function targetHistory(
  deps: Deps,
  modelName: string,
  q: { stage?: string; alias?: string; atMs?: number },
): Promise<HistoryAnswer> {
  if (q.stage && q.alias) throw invalid('ask for the history of a stage or an alias, not both');
  const model = await requireModel(deps.db, modelName);
  const alias = q.alias ? validateAlias(q.alias) : null;
  const key = alias ? aliasTarget(alias) : stageTarget(canonicalStage(q.stage ?? 'Production'));
  // The revision before the log: an ETag older than the entries only makes a later If-Match fail safe.
  const { revision } = await readRevision(deps.db, model.id, key);
  const entries: HistoryEntry[] = [];
  for (const { version, event } of await holdings(deps.db, model.id, key)) {
    if (entries.length) entries[entries.length - 1].until = event.time;
    entries.push({
      version,
      from: event.time,
      until: null,
      actor: event.actor,
      reason: event.reason,
      event_id: event.id,
      cause: (event.details as { cause?: string }).cause ?? 'transition',
      automatic: AUTOMATIC_ACTORS.has(event.actor),
    });
  }
  const answer: HistoryAnswer = { name: model.name, target: key, entries: entries.reverse(), revision };
  if (q.atMs !== undefined) {
    const at = q.atMs;
    const hit = answer.entries.find((e) => Date.parse(e.from) <= at && (e.until === null || Date.parse(e.until) > at));
    answer.at = { time: new Date(at).toISOString(), version: hit?.version ?? null };
  }
  return answer;
}
