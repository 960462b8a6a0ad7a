// The one change-feed follower. The CLI (`events --follow`), the web UI (web/src/lib/live.tsx) and
// standalone gateway replicas all follow the registry through it:
// - server-sent events from /api/v1/events/stream, resumed with Last-Event-ID after the last event
//   delivered, and any id at or below it skipped, so nothing is missed or delivered twice;
// - when the stream cannot be opened or drops, the event log (/api/v1/events) is polled from the
//   same position, then the stream is tried again after a delay doubling up to maxDelayMs;
// - answers retrying cannot change (400 a bad filter, 401, 403) end the iteration, unless `forever`.
// Browser-safe: no node: imports.
import { StagecraftApiError } from './errors.js';
import { readEventStream } from './event-stream.js';
import type { EventList, EventQuery, RegistryEvent } from './types.js';

/** streaming: the stream is open. polling: it is not, but the event log answered. failing: neither answered. */
export type FeedStatus = 'streaming' | 'polling' | 'failing';

export interface FollowOptions {
  /** Only events of this model. */
  model?: string;
  /** Only these event types: comma-separated types or domains, e.g. `rollback,guard.*`. */
  type?: string;
  /** Start after this event id (replays what came since); default: only events newer than the call. */
  after?: number;
  /** Abort to end the iteration cleanly. */
  signal?: AbortSignal;
  /** Consecutive rounds in which neither the stream nor the event log answered before giving up (default 10). */
  maxRetries?: number;
  /** First reconnection delay in ms (default 500), doubling up to maxDelayMs (default 10 s). */
  retryDelayMs?: number;
  maxDelayMs?: number;
  /** A stream silent this long is dropped and reopened (default 50 s: the server writes a comment every 15 s). */
  idleMs?: number;
  /** Never give up: refusals and any number of failures are retried until the signal aborts (daemons, pages). */
  forever?: boolean;
  /**
   * Called before every (re)connection: answers the id to resume after, instead of the last one
   * delivered (a gateway takes a fresh snapshot and resumes after the event it reflects).
   */
  resumeFrom?: () => Promise<number>;
  /** Told whenever the follower opens the stream or falls back, with the error that made it fall back. */
  onStatus?: (status: FeedStatus, error?: unknown) => void;
}

/** The two requests the follower makes; the client supplies auth headers and error mapping. */
export interface FeedTransport {
  list(query: Partial<EventQuery>, signal: AbortSignal): Promise<EventList>;
  /** Opens GET /api/v1/events/stream{query}; throws StagecraftApiError when refused. */
  stream(query: string, headers: Record<string, string>, signal: AbortSignal): Promise<Response>;
}

const PAGE = 500;
/** One polling round reads at most this many pages, then the stream is tried again (it resumes the rest). */
const MAX_PAGES = 100;

export async function* followEvents(feed: FeedTransport, opts: FollowOptions = {}): AsyncGenerator<RegistryEvent, void, undefined> {
  const signal = opts.signal ?? new AbortController().signal;
  const firstDelay = opts.retryDelayMs ?? 500;
  const maxRetries = opts.forever ? Infinity : (opts.maxRetries ?? 10);
  const filter = { model: opts.model || undefined, type: opts.type || undefined };
  const params = new URLSearchParams();
  if (filter.model) params.set('model', filter.model);
  if (filter.type) params.set('type', filter.type);
  const query = params.size ? `?${params}` : '';
  let cursor = opts.after;
  let delay = firstDelay;
  let failures = 0;
  while (!signal.aborted) {
    try {
      // A known position before the first connection: a drop before the first event still resumes without a gap.
      const from = opts.resumeFrom ? await opts.resumeFrom() : (cursor ?? (await newestId(feed, signal)));
      cursor = from;
      const headers = { accept: 'text/event-stream', 'last-event-id': String(from) };
      const opened = () => {
        delay = firstDelay;
        failures = 0;
        opts.onStatus?.('streaming');
      };
      for await (const e of readEventStream((s) => feed.stream(query, headers, s), { signal, idleMs: opts.idleMs ?? 50_000, onOpen: opened })) {
        if (e.id <= cursor) continue;
        cursor = e.id;
        yield e;
      }
    } catch (err) {
      if (signal.aborted) return;
      if (!opts.forever && isRefusal(err)) throw err;
      try {
        if (cursor === undefined) throw err; // no position to poll from yet
        for await (const e of pollEvents(feed, filter, cursor, signal)) {
          if (e.id <= cursor) continue;
          cursor = e.id;
          yield e;
        }
        failures = 0;
        opts.onStatus?.('polling', err);
      } catch (pollErr) {
        if (signal.aborted) return;
        if (!opts.forever && isRefusal(pollErr)) throw pollErr;
        failures += 1;
        opts.onStatus?.('failing', pollErr);
        if (failures > maxRetries) throw pollErr;
      }
    }
    await sleep(delay, signal);
    delay = Math.min(delay * 2, opts.maxDelayMs ?? 10_000);
  }
}

/** The event log after `after`, oldest first, as many pages as there are (up to MAX_PAGES). */
async function* pollEvents(feed: FeedTransport, filter: Partial<EventQuery>, after: number, signal: AbortSignal): AsyncGenerator<RegistryEvent> {
  let cursor = after;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { events } = await feed.list({ ...filter, order: 'asc', cursor, limit: PAGE }, signal);
    for (const e of events) {
      cursor = e.id;
      yield e;
    }
    if (events.length < PAGE) return;
  }
}

/** The newest committed event id (0 when there is none), whatever the filter. */
async function newestId(feed: FeedTransport, signal: AbortSignal): Promise<number> {
  return (await feed.list({ limit: 1 }, signal)).events[0]?.id ?? 0;
}

/** The server answered and retrying will not change its answer: a bad filter, no token, not allowed. */
function isRefusal(err: unknown): boolean {
  return err instanceof StagecraftApiError && (err.status === 400 || err.status === 401 || err.status === 403);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
