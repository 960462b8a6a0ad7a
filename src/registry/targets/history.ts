// History of a serving target, replayed from the audit log: which version held it, from when to
// when, and who moved it there and why. Answers "which version held Production at time T".
import type { Deps } from '../deps.js';
import { invalid } from '../../errors.js';
import { aliasTarget, stageTarget } from '../events/events.js';
import { requireModel } from '../models/models-service.js';
import { canonicalStage, validateAlias } from '../versions/versions.js';

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
  const stage = alias ? null : canonicalStage(q.stage ?? 'Production');
  const key = alias ? aliasTarget(alias) : stageTarget(stage!);
  const rows = await deps.db
    .selectFrom('events')
    .selectAll()
    .where('model_id', '=', model.id)
    .where('type', 'in', alias ? ['alias.set', 'alias.deleted'] : ['version.stage_changed'])
    .orderBy('id')
    .execute();

  // Replay: for a stage the holder is the highest version in it; for an alias, what it points at.
  const inStage = new Set<number>();
  let holder: number | null = null;
  const entries: HistoryEntry[] = [];
  for (const r of rows) {
    if (alias) {
      if (r.target !== key) continue;
    } else if (r.from_value !== stage && r.to_value !== stage) {
      continue;
    }
    let next: number | null;
    if (alias) {
      next = r.type === 'alias.set' ? Number(r.to_value) : null;
    } else {
      if (r.to_value === stage) inStage.add(r.version!);
      else inStage.delete(r.version!);
      next = inStage.size ? Math.max(...inStage) : null;
    }
    if (next === holder) continue;
    holder = next;
    const time = new Date(Number(r.time)).toISOString();
    if (entries.length) entries[entries.length - 1].until = time;
    const cause = (JSON.parse(r.details) as { cause?: string }).cause ?? 'transition';
    entries.push({
      version: next,
      from: time,
      until: null,
      actor: r.actor,
      reason: r.reason,
      event_id: Number(r.id),
      cause,
      automatic: AUTOMATIC_ACTORS.has(r.actor),
    });
  }
  const answer: HistoryAnswer = { name: model.name, target: key, entries: entries.reverse() };
  if (q.atMs !== undefined) {
    const at = q.atMs;
    const hit = answer.entries.find((e) => Date.parse(e.from) <= at && (e.until === null || Date.parse(e.until) > at));
    answer.at = { time: new Date(at).toISOString(), version: hit?.version ?? null };
  }
  return answer;
}
