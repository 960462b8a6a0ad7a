// Server-sent events. Subscribe first, then replay from the database, then flush what arrived
// meanwhile: a client resuming with Last-Event-ID misses nothing and sees nothing twice.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../deps.js';
import { queryEvents } from './events-store.js';
import { eventFor } from './event-redaction.js';
import { toEvent, type RegistryEvent } from './events.js';

const HEARTBEAT_MS = 15_000;

/**
 * Open streams, so the server can end them when it shuts down: a stream never finishes by itself,
 * and an HTTP server's close() waits for every open response (an open UI tab would hold a
 * restart forever). Clients reconnect with Last-Event-ID and miss nothing.
 */
export class OpenStreams {
  private readonly open = new Set<FastifyReply['raw']>();
  add(res: FastifyReply['raw']): () => void {
    this.open.add(res);
    return () => this.open.delete(res);
  }
  endAll(): void {
    for (const res of this.open) res.end();
    this.open.clear();
  }
}

/** `types`: only these event types (null: all). `fullUrls`: the reader sees URLs in details whole (admins). */
export function streamEvents(deps: Deps, streams: OpenStreams, req: FastifyRequest, reply: FastifyReply, types: ReadonlySet<string> | null = null, fullUrls = false): void {
  const query = req.query as { model?: string; after?: number };
  const lastId = Number(req.headers['last-event-id'] ?? query.after ?? NaN);
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write(': stagecraft event stream\n\n');
  const forget = streams.add(res);

  let sent = Number.isFinite(lastId) ? lastId : deps.feed.position;
  let buffered: RegistryEvent[] | null = [];
  const send = (e: RegistryEvent) => {
    if (e.id <= sent) return;
    if ((query.model && e.model !== query.model) || (types && !types.has(e.type))) {
      sent = e.id;
      return;
    }
    sent = e.id;
    res.write(`id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(eventFor(e, fullUrls))}\n\n`);
  };
  const unsubscribe = deps.feed.subscribe((e) => (buffered ? buffered.push(e) : send(e)));
  const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
  heartbeat.unref();
  req.raw.on('close', () => {
    clearInterval(heartbeat);
    unsubscribe();
    forget();
  });

  void (async () => {
    if (Number.isFinite(lastId)) {
      for (;;) {
        const rows = await queryEvents(deps.db, { afterId: sent, limit: 500, order: 'asc' });
        rows.map(toEvent).forEach(send);
        if (rows.length < 500) break;
      }
    }
    const pending = buffered ?? [];
    buffered = null;
    pending.forEach(send);
  })().catch((err) => req.log.warn({ err }, 'event stream replay failed'));
}
