// events.follow(): the server-sent event stream as an async iterator. Reconnects after a dropped
// connection and resumes with Last-Event-ID, so a consumer sees every event once, in id order.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { isAbort, StagecraftUnreachableError } from './errors.js';
import type { RegistryEvent } from './types.js';

export interface FollowOptions {
  /** Only events of this model. */
  model?: string;
  /** Only these event types: comma-separated types or domains, e.g. `rollback,guard.*`. */
  type?: string;
  /** Start after this event id (replays what came since); default: only new events. */
  after?: number;
  /** Abort to end the iteration cleanly. */
  signal?: AbortSignal;
  /** Consecutive failed connection attempts before giving up (default 10). */
  maxRetries?: number;
  /** First reconnection delay in ms, doubling up to 10 s (default 500). */
  retryDelayMs?: number;
}

/** Opens the stream once; the client supplies auth headers and unreachable-error mapping. */
export type OpenStream = (query: string, headers: Record<string, string>, signal: AbortSignal) => Promise<Response>;

export async function* followEvents(open: OpenStream, opts: FollowOptions = {}): AsyncGenerator<RegistryEvent, void, undefined> {
  const maxRetries = opts.maxRetries ?? 10;
  let delay = opts.retryDelayMs ?? 500;
  let lastId = opts.after;
  let failures = 0;
  const signal = opts.signal ?? new AbortController().signal;
  while (!signal.aborted) {
    try {
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (lastId !== undefined) headers['last-event-id'] = String(lastId);
      const params = new URLSearchParams();
      if (opts.model) params.set('model', opts.model);
      if (opts.type) params.set('type', opts.type);
      const query = params.size ? `?${params}` : '';
      const res = await open(query, headers, signal);
      failures = 0;
      for await (const event of readEvents(res, signal)) {
        lastId = event.id;
        yield event;
      }
    } catch (err) {
      if (signal.aborted || isAbort(err)) return;
      // Refusals (401/403/404) will not heal by retrying; only lost connections are retried.
      if (!(err instanceof StagecraftUnreachableError) && !(err instanceof TypeError)) throw err;
      failures += 1;
      if (failures > maxRetries) throw err;
    }
    if (signal.aborted) return;
    await sleep(delay, signal);
    delay = Math.min(delay * 2, 10_000);
  }
}

async function* readEvents(res: Response, signal: AbortSignal): AsyncGenerator<RegistryEvent> {
  if (!res.body) return;
  const queue: RegistryEvent[] = [];
  const parser = createParser({
    onEvent(msg: EventSourceMessage) {
      if (!msg.data) return;
      queue.push(JSON.parse(msg.data) as RegistryEvent);
    },
  });
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const onAbort = () => void reader.cancel().catch(() => {});
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      parser.feed(decoder.decode(value, { stream: true }));
      while (queue.length) yield queue.shift()!;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    void reader.cancel().catch(() => {});
  }
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
