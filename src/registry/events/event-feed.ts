// The change feed: every committed event, in id order, to in-process listeners (SSE streams, the
// in-process gateway, webhooks). The database is the source of truth: the feed reads events after
// its cursor whenever it is poked — by a local commit, by PostgreSQL NOTIFY from another server,
// or by a slow safety poll — so it never depends on the poke itself carrying data.
import { EventEmitter } from 'node:events';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import { EVENTS_CHANNEL } from '../../db/dialect.js';
import type { Database } from '../../db/tables.js';
import type { Logger } from '../../log.js';
import { lastEventId, queryEvents } from './events-store.js';
import { toEvent, type RegistryEvent } from './events.js';

const SAFETY_POLL_MS = 1000;

export class EventFeed {
  private cursor = 0;
  private readonly emitter = new EventEmitter();
  private reading: Promise<void> | null = null;
  private again = false;
  /** The highest event id a NOTIFY announced while a read was running: read again if it did not reach it. */
  private announced = 0;
  private timer: NodeJS.Timeout | null = null;
  private listenClient: pg.PoolClient | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly log: Logger,
    private readonly pgPool?: pg.Pool,
  ) {
    this.emitter.setMaxListeners(0);
  }

  async start(): Promise<void> {
    this.cursor = await lastEventId(this.db);
    if (this.pgPool) {
      this.listenClient = await this.pgPool.connect();
      this.listenClient.on('notification', (msg) => this.announce(Number(msg.payload)));
      await this.listenClient.query(`LISTEN ${EVENTS_CHANNEL}`);
    }
    this.timer = setInterval(() => this.poke(), SAFETY_POLL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.reading;
    if (this.listenClient) {
      await this.listenClient.query(`UNLISTEN ${EVENTS_CHANNEL}`).catch(() => {});
      this.listenClient.release();
      this.listenClient = null;
    }
    this.emitter.removeAllListeners();
  }

  /** The id of the last event delivered to listeners. */
  get position(): number {
    return this.cursor;
  }

  subscribe(listener: (event: RegistryEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  /** Read and deliver whatever committed after the cursor; resolves once delivered. */
  poke(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = this.drain().finally(() => {
      this.reading = null;
    });
    return this.reading;
  }

  /**
   * A NOTIFY names the event id it was sent for (events-store.ts): an id the cursor already passed
   * needs no read — a local commit's own NOTIFY arrives after its poke has read it, which would
   * otherwise cost a second read of the log per commit. Anything else (no id, a later id) pokes.
   */
  private announce(id: number): void {
    if (Number.isSafeInteger(id) && id > 0) {
      if (id <= this.cursor) return;
      if (this.reading) {
        this.announced = Math.max(this.announced, id);
        return;
      }
    }
    void this.poke();
  }

  private async drain(): Promise<void> {
    do {
      this.again = false;
      try {
        for (;;) {
          const rows = await queryEvents(this.db, { afterId: this.cursor, order: 'asc', limit: 500 });
          for (const row of rows) {
            this.cursor = row.id;
            this.emit(toEvent(row));
          }
          if (rows.length < 500) break;
        }
      } catch (err) {
        this.log.warn({ err }, 'event feed read failed; will retry');
      }
      // A NOTIFY that came during the read for an id the read did not reach: read again for it.
      if (this.announced > this.cursor) this.again = true;
      this.announced = 0;
    } while (this.again);
  }

  private emit(event: RegistryEvent): void {
    try {
      this.emitter.emit('event', event);
    } catch (err) {
      this.log.error({ err, event: event.id }, 'event listener threw');
    }
  }
}
