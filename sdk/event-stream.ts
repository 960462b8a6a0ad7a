// One connection to the change feed's server-sent event stream: open it, parse it, hand out the
// events it carries. It never ends quietly: a stream that closes, or goes silent, throws
// StreamDropped so the follower (events-follow.ts) catches up and reconnects.
// Browser-safe: no node: imports (the web UI follows the feed through this file).
import { createParser } from 'eventsource-parser';
import type { RegistryEvent } from './types.js';

/** The stream closed or went silent: reconnect (nothing was refused). */
export class StreamDropped extends Error {
  override readonly name = 'StreamDropped';
}

/** Opens the stream; throws StagecraftApiError when refused, StagecraftUnreachableError when no answer. */
export type OpenStream = (signal: AbortSignal) => Promise<Response>;

export interface StreamOptions {
  /** Ends the connection (the iteration then rejects with an abort error; the caller knows it asked). */
  signal: AbortSignal;
  /**
   * A connection silent for this long is dead and dropped. The registry writes a comment every
   * 15 s, so a long silence is a partition that never sent a FIN, not a quiet registry.
   */
  idleMs: number;
  /** Called once the server accepted the stream, before any event. */
  onOpen(): void;
}

/** The events of one connection, in the order the server sent them; malformed messages are skipped. */
export async function* readEventStream(open: OpenStream, opts: StreamOptions): AsyncGenerator<RegistryEvent, void, undefined> {
  const local = new AbortController();
  const stop = () => local.abort();
  opts.signal.addEventListener('abort', stop, { once: true });
  if (opts.signal.aborted) stop();
  let silent = false;
  const onSilence = () => {
    silent = true;
    local.abort();
  };
  // Armed before the request: a server that accepts the connection but never answers is dead too.
  let watchdog = setTimeout(onSilence, opts.idleMs);
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  const queue: RegistryEvent[] = [];
  const parser = createParser({
    onEvent(msg) {
      try {
        if (msg.data) queue.push(JSON.parse(msg.data) as RegistryEvent);
      } catch {
        // A malformed message is skipped, never fatal: the next good one still arrives.
      }
    },
  });
  try {
    const res = await open(local.signal);
    if (!res.body) throw new StreamDropped('the event stream answered without a body');
    opts.onOpen();
    reader = res.body.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) throw new StreamDropped('the event stream ended');
      // Any bytes, keep-alive comments included, prove the connection alive.
      clearTimeout(watchdog);
      watchdog = setTimeout(onSilence, opts.idleMs);
      parser.feed(decoder.decode(value, { stream: true }));
      while (queue.length) yield queue.shift()!;
    }
  } catch (err) {
    if (silent) throw new StreamDropped(`the event stream was silent for ${opts.idleMs} ms`);
    throw err;
  } finally {
    clearTimeout(watchdog);
    opts.signal.removeEventListener('abort', stop);
    if (reader) void reader.cancel().catch(() => {});
    local.abort();
  }
}
