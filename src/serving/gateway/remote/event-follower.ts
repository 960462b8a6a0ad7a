// Follows the registry's change feed: server-sent events, resumed after the last id seen; when the
// stream cannot be held open it polls the event log instead, then tries the stream again.
import { createParser } from 'eventsource-parser';
import type { Logger } from '../../../log.js';
import type { RegistryEvent } from '../../../registry/events/events.js';
import type { RegistryClient } from './registry-client.js';

/** Longer than three of the registry's 15 s keep-alive comments. */
const STREAM_IDLE_MS = 50_000;

export interface FollowerHooks {
  /** Called before each (re)connection: answers the id to resume after (e.g. from a fresh snapshot). */
  connect(): Promise<number>;
  event(e: RegistryEvent): void;
  /** Called when the registry stops answering, and again when it answers. */
  reachable(up: boolean): void;
}

export class EventFollower {
  private readonly abort = new AbortController();
  private cursor = 0;
  private running: Promise<void> | null = null;

  constructor(
    private readonly client: RegistryClient,
    private readonly hooks: FollowerHooks,
    private readonly log: Logger,
    private readonly retryMs: number,
  ) {}

  start(): void {
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running?.catch(() => {});
  }

  private async loop(): Promise<void> {
    let delay = this.retryMs;
    while (!this.abort.signal.aborted) {
      try {
        this.cursor = await this.hooks.connect();
        this.hooks.reachable(true);
        delay = this.retryMs;
        await this.stream();
      } catch (err) {
        if (this.abort.signal.aborted) return;
        this.log.debug({ err: (err as Error).message }, 'gateway change feed interrupted');
        const polled = await this.poll().catch(() => false);
        if (!polled) this.hooks.reachable(false);
      }
      await this.sleep(delay);
      delay = Math.min(delay * 2, 10 * this.retryMs);
    }
  }

  private deliver(e: RegistryEvent): void {
    if (e.id <= this.cursor) return;
    this.cursor = e.id;
    this.hooks.event(e);
  }

  private async stream(): Promise<void> {
    // The registry writes a comment every 15 s; a stream silent for much longer is a dead connection
    // (e.g. a partition that never sent a FIN), so it is dropped and re-established.
    const local = new AbortController();
    const stopLocal = () => local.abort();
    this.abort.signal.addEventListener('abort', stopLocal, { once: true });
    let watchdog = setTimeout(stopLocal, STREAM_IDLE_MS);
    try {
      const res = await this.client.request(`/api/v1/events/stream?after=${this.cursor}`, { headers: { accept: 'text/event-stream' } }, local.signal);
      if (!res.ok || !res.body) throw new Error(`event stream answered ${res.status}`);
      const parser = createParser({
        onEvent: (ev) => {
          try {
            this.deliver(JSON.parse(ev.data) as RegistryEvent);
          } catch (err) {
            this.log.warn({ err }, 'bad event on the change feed');
          }
        },
      });
      const decoder = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        clearTimeout(watchdog);
        watchdog = setTimeout(stopLocal, STREAM_IDLE_MS);
        parser.feed(decoder.decode(chunk, { stream: true }));
      }
      throw new Error('event stream ended');
    } finally {
      clearTimeout(watchdog);
      this.abort.signal.removeEventListener('abort', stopLocal);
    }
  }

  /** One round of polling the event log; answers whether the registry answered. */
  private async poll(): Promise<boolean> {
    for (let page = 0; page < 100; page++) {
      const body = await this.client.json<{ events: RegistryEvent[] }>(`/api/v1/events?order=asc&limit=500&cursor=${this.cursor}`);
      body.events.forEach((e) => this.deliver(e));
      if (body.events.length < 500) break;
    }
    return true;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.abort.signal.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      }, { once: true });
    });
  }
}
