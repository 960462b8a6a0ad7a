// Server-sent events. Subscribe first, then replay from the database, then flush what arrived
// meanwhile: a client resuming with Last-Event-ID misses nothing and sees nothing twice.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { invalid } from '../../errors.js';
import type { Deps } from '../deps.js';
import { queryEvents } from './events-store.js';
import { eventFor } from './event-redaction.js';
import { toEvent, type RegistryEvent } from './events.js';

const HEARTBEAT_MS = 15_000;

/** How many event streams one API token, and one client address, may hold open at once. */
export interface StreamLimits {
  perToken: number;
  perAddress: number;
}

/** Seconds a refused client is told to wait: streams close when tabs and replicas go away. */
const RETRY_AFTER_S = 10;

/**
 * Open streams, so the server can end them when it shuts down: a stream never finishes by itself,
 * and an HTTP server's close() waits for every open response (an open UI tab would hold a
 * restart forever). Clients reconnect with Last-Event-ID and miss nothing.
 * Counted per token and per address: each stream holds a socket, a feed subscription and a timer,
 * so one client opening thousands would starve everyone else.
 */
export class OpenStreams {
  private readonly open = new Set<FastifyReply['raw']>();
  private readonly held = new Map<string, number>();

  constructor(private readonly limits: StreamLimits) {}

  /** The cap a new stream with these keys would pass, or null when it may open. */
  private refusal(keys: StreamKeys): string | null {
    if ((this.held.get(keys.address) ?? 0) >= this.limits.perAddress) return `${this.limits.perAddress} per client address`;
    if (keys.token && (this.held.get(keys.token) ?? 0) >= this.limits.perToken) return `${this.limits.perToken} per API token`;
    return null;
  }

  /** Claims a place for a stream; answers the refusal instead when a cap is reached. */
  claim(keys: StreamKeys): { refused: string } | { release: () => void } {
    const refused = this.refusal(keys);
    if (refused) return { refused };
    const mine = [keys.address, ...(keys.token ? [keys.token] : [])];
    for (const k of mine) this.held.set(k, (this.held.get(k) ?? 0) + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        for (const k of mine) {
          const n = (this.held.get(k) ?? 1) - 1;
          if (n > 0) this.held.set(k, n);
          else this.held.delete(k);
        }
      },
    };
  }

  add(res: FastifyReply['raw']): () => void {
    this.open.add(res);
    return () => this.open.delete(res);
  }

  endAll(): void {
    for (const res of this.open) res.end();
    this.open.clear();
  }
}

interface StreamKeys {
  address: string;
  token: string | null;
}

function streamKeys(req: FastifyRequest): StreamKeys {
  // Open local mode has no tokens: only the address counts.
  const p = req.principal;
  return { address: `address:${req.ip}`, token: p && !p.open ? `token:${p.name}` : null };
}

/** `types`: only these event types (null: all). `fullUrls`: the reader sees URLs in details whole (admins). */
export function streamEvents(deps: Deps, streams: OpenStreams, req: FastifyRequest, reply: FastifyReply, types: ReadonlySet<string> | null = null, fullUrls = false, visible?: (model: string | null) => boolean): void {
  const query = req.query as { model?: string; after?: number };
  const header = req.headers['last-event-id'];
  // The header comes back as we sent it (an event id); anything else would reach the database.
  if (header !== undefined && !(typeof header === 'string' && /^\s*\d+\s*$/.test(header) && Number.isSafeInteger(Number(header)))) {
    throw invalid('invalid request: headers/last-event-id must be the id of an event this stream sent');
  }
  const lastId = Number(header ?? query.after ?? NaN);
  const place = streams.claim(streamKeys(req));
  if ('refused' in place) {
    void reply
      .status(429)
      .header('retry-after', String(RETRY_AFTER_S))
      .send({ error: { code: 'too_many_requests', message: `too many open event streams: at most ${place.refused}; close one or retry later`, id: req.id } });
    return;
  }
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
    if ((query.model && e.model !== query.model) || (types && !types.has(e.type)) || (visible && !visible(e.model))) {
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
    place.release();
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
