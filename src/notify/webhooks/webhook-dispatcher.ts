// Delivers registry events to webhooks, driven by the change feed. Each delivery is a JSON POST of
// the event, signed `stagecraft-signature: sha256=<hex HMAC-SHA256(raw body, secret)>`; failures
// are retried with backoff and every attempt is a row in the delivery log. With several servers
// every feed sees every event; the unique attempt row decides which server sends it.
import { createHmac } from 'node:crypto';
import type { Deps } from '../../deps.js';
import { EVENT_TYPES, matchesEventPattern, type RegistryEvent } from '../../registry/index.js';
import { claimAttempt, finishAttempt, liveWebhooks, type WebhookRow } from './webhooks-store.js';

export interface DispatcherOptions {
  /** Delay before each retry; its length is the number of retries (default 1 s, 5 s, 30 s, 2 min). */
  retryDelaysMs: number[];
  timeoutMs: number;
}

export const DEFAULT_DISPATCH: DispatcherOptions = { retryDelaysMs: [1000, 5000, 30_000, 120_000], timeoutMs: 10_000 };

export function sign(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** What webhooks can receive: webhook changes themselves are not broadcast (they carry URLs to every receiver). */
export const DELIVERED_TYPES = EVENT_TYPES.filter((t) => !t.startsWith('webhook.'));

export function wants(hook: WebhookRow, type: string): boolean {
  const patterns = JSON.parse(hook.events) as string[];
  return patterns.length === 0 || patterns.some((p) => matchesEventPattern(p, type));
}

export class WebhookDispatcher {
  private unsubscribe: (() => void) | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inflight = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly deps: Deps,
    private readonly opts: DispatcherOptions = DEFAULT_DISPATCH,
  ) {}

  start(): void {
    this.unsubscribe = this.deps.feed.subscribe((event) => this.track(this.onEvent(event)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.inflight]);
  }

  private track(p: Promise<void>): void {
    const q = p.catch((err) => this.deps.log.error({ err }, 'webhook delivery failed unexpectedly')).finally(() => this.inflight.delete(q));
    this.inflight.add(q);
  }

  private async onEvent(event: RegistryEvent): Promise<void> {
    // Webhook changes themselves are not broadcast: they would carry URLs to every receiver.
    if (event.type.startsWith('webhook.')) return;
    for (const hook of await liveWebhooks(this.deps.db)) if (wants(hook, event.type)) await this.attempt(hook, event, 1);
  }

  private async attempt(hook: WebhookRow, event: RegistryEvent, attempt: number): Promise<void> {
    if (this.stopped) return;
    const id = await claimAttempt(this.deps.db, { webhook_id: hook.id, event_id: event.id, event_type: event.type, attempt, time: this.deps.clock.now() }, this.deps.caps.isUniqueViolation);
    if (id === null) return; // another server owns this delivery
    const body = JSON.stringify(event);
    const started = performance.now();
    let result: { status: string; status_code: number | null; error: string | null };
    try {
      const res = await fetch(hook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stagecraft-signature': sign(body, hook.secret), 'stagecraft-event': event.type, 'stagecraft-delivery': `${hook.id}:${event.id}` },
        body,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      result = { status: res.ok ? 'delivered' : 'failed', status_code: res.status, error: res.ok ? null : `receiver answered ${res.status}` };
    } catch (err) {
      result = { status: 'failed', status_code: null, error: (err as Error).message };
    }
    const retryIn = this.opts.retryDelaysMs[attempt - 1];
    if (result.status === 'failed' && retryIn === undefined) result.status = 'gave_up';
    await finishAttempt(this.deps.db, id, { ...result, duration_ms: performance.now() - started });
    if (result.status === 'failed' && !this.stopped) {
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.track(this.attempt(hook, event, attempt + 1));
      }, retryIn);
      t.unref();
      this.timers.add(t);
    }
  }
}
