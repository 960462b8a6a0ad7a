// The model's audit log, newest first: who, when, why, from → to, manual or automatic. Live events
// are prepended as they commit; older ones load page by page.
import { useCallback, useEffect, useState } from 'react';
import { useLiveEvents } from '../lib/live';
import { useDisplayName, useSession } from '../lib/session';
import { formatTime, relativeTime } from '../lib/format';
import type { RegistryEvent } from '../types';
import { describePromotionEvent } from '../promotion/promotion-events';
import { AutoBadge } from './Badges';
import { ErrorNote } from './ErrorNote';

/** Actors that act on their own rather than a person (same set as the server's history). */
const AUTOMATIC_ACTORS = new Set(['guard', 'rollout']);

/** 'rollout.step' -> 'Rollout step': readable for types this UI has no words for yet. */
const humanType = (type: string) => {
  const words = type.replace(/[._]/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
};

const v = (x: string | number | null) => (x === null || x === '' ? 'none' : /^\d+$/.test(String(x)) ? `v${x}` : String(x));
const targetName = (t: string | null) => (t ?? '').replace(/^stage:/, '').replace(/^alias:/, '@');

export function describeEvent(e: RegistryEvent): string {
  switch (e.type) {
    case 'rollback':
      return `Rolled back ${targetName(e.target)}: ${v(e.from)} → ${v(e.to)}`;
    case 'move.prepare':
      return `Replicas asked to load v${e.version} for ${targetName(e.target)}`;
    case 'rollback.prepare_failed':
      return `Rollback of ${targetName(e.target)} to ${v(e.to)} refused: not every replica could load it`;
    case 'move.prepare_failed':
      return `Move of ${targetName(e.target)} to ${v(e.to)} refused: not every replica could load it`;
    case 'version.stage_changed':
      return `v${e.version} moved ${e.from ?? 'None'} → ${e.to ?? 'None'}`;
    case 'version.health_changed':
      return `v${e.version} health ${e.from ?? 'unknown'} → ${e.to ?? 'unknown'}`;
    case 'alias.set':
      return `${targetName(e.target)} ${v(e.from)} → ${v(e.to)}`;
    case 'alias.deleted':
      return `${targetName(e.target)} deleted (was ${v(e.from)})`;
    case 'version.created':
      return `Registered v${e.version}`;
    case 'version.deleted':
      return `Deleted v${e.version}`;
    case 'model.created':
      return 'Model registered';
    default:
      return describePromotionEvent(e) ?? (e.version ? `${humanType(e.type)} (v${e.version})` : humanType(e.type));
  }
}

const TITLES: Record<string, string> = {
  rollback: 'Rolled back',
  'move.prepare': 'Move prepared',
  'rollback.prepare_failed': 'Rollback refused',
  'move.prepare_failed': 'Move refused',
  'version.stage_changed': 'Stage changed',
  'version.health_changed': 'Health changed',
  'version.created': 'Version registered',
  'version.deleted': 'Version deleted',
  'alias.set': 'Alias moved',
  'alias.deleted': 'Alias deleted',
  'model.created': 'Model registered',
};

/** A short title for an event type, when only the type is known (the models list). */
export const eventTitle = (type: string) => TITLES[type] ?? humanType(type);

export function TimelineItem({ e }: { e: RegistryEvent }) {
  const displayName = useDisplayName();
  const shown = displayName(e.actor);
  return (
    <li className={`event type-${e.type.replace(/\./g, '-')}`}>
      <div className="event-head">
        <span className="event-what">{describeEvent(e)}</span>
        <AutoBadge automatic={AUTOMATIC_ACTORS.has(e.actor)} />
      </div>
      <div className="event-meta">
        <span title={shown === e.actor ? undefined : e.actor}>by {shown}</span> · <time dateTime={e.time} title={formatTime(e.time)}>{relativeTime(e.time)}</time>
      </div>
      {e.reason && <blockquote className="event-reason">{e.reason}</blockquote>}
    </li>
  );
}

export function Timeline({ model }: { model: string }) {
  const { api } = useSession();
  const [events, setEvents] = useState<RegistryEvent[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();

  const loadPage = useCallback(
    async (after: string | null, signal?: AbortSignal) => {
      try {
        const page = await api.listEvents(model, { cursor: after }, signal);
        setEvents((prev) => {
          const base = after ? prev : [];
          const ids = new Set(base.map((x) => x.id));
          return [...base, ...page.events.filter((x) => !ids.has(x.id))];
        });
        setCursor(page.next_cursor);
      } catch (err) {
        if (!signal?.aborted) setError(err);
      }
    },
    [api, model],
  );

  useEffect(() => {
    const ctrl = new AbortController();
    void loadPage(null, ctrl.signal);
    return () => ctrl.abort();
  }, [loadPage]);

  useLiveEvents((e) => setEvents((prev) => (prev.some((x) => x.id === e.id) ? prev : [e, ...prev])), model);

  return (
    <section aria-labelledby="timeline-h" className="card">
      <h2 id="timeline-h">Timeline</h2>
      <ErrorNote error={error} />
      {events.length === 0 && !error && <p className="muted">No events yet.</p>}
      <ol className="timeline" aria-label="Events, newest first">
        {events.map((e) => (
          <TimelineItem key={e.id} e={e} />
        ))}
      </ol>
      {cursor && (
        <button type="button" onClick={() => void loadPage(cursor)}>
          Older events
        </button>
      )}
    </section>
  );
}
