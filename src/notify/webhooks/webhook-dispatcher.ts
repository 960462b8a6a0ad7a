// Delivers registry events to webhooks, driven by the change feed. Each delivery is a JSON POST in
// the webhook's format (webhook-formats.ts): natively the event itself, signed
// `stagecraft-signature: sha256=<hex HMAC-SHA256(raw body, secret)>`; failures are retried with
// backoff and every attempt is a row in the delivery log. A disabled webhook receives nothing. With
// several servers every feed sees every event; the unique attempt row decides which server sends it.
import type { Deps } from '../../deps.js';
import { EVENT_TYPES, matchesEventPattern, type RegistryEvent } from '../../registry/index.js';
import { webhookFormat, type WebhookDelivery } from './webhook-formats.js';
import { claimAttempt, finishAttempt, liveWebhooks, type WebhookRow } from './webhooks-store.js';

export interface DispatcherOptions {
  /** Delay before each retry; its length is the number of retries (default 1 s, 5 s, 30 s, 2 min). */
  retryDelaysMs: number[];
  timeoutMs: number;
}

export const DEFAULT_DISPATCH: DispatcherOptions = { retryDelaysMs: [1000, 5000, 30_000, 120_000], timeoutMs: 10_000 };

/** What webhooks can receive: webhook changes themselves are not broadcast (they carry URLs to every receiver). */
export const DELIVERED_TYPES = EVENT_TYPES.filter((t) => !t.startsWith('webhook.'));

export function wants(hook: WebhookRow, type: string): boolean {
  const patterns = JSON.parse(hook.events) as string[];
  return patterns.length === 0 || patterns.some((p) => matchesEventPattern(p, type));
}

export interface PostResult {
  ok: boolean;
  status_code: number | null;
  /** The receiver's answer (kept only by callers that show it, such as a test delivery). */
  response_body: string | null;
  error: string | null;
}

/** One POST to a receiver; never throws (a refused connection or a timeout is a result). */
export async function postDelivery(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<PostResult> {
  try {
    const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text().catch(() => '');
    return { ok: res.ok, status_code: res.status, response_body: text, error: res.ok ? null : `receiver answered ${res.status}` };
  } catch (err) {
    return { ok: false, status_code: null, response_body: null, error: (err as Error).message };
  }
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
    // Imported history happened elsewhere, earlier: receivers hear of the import (model.imported), not a replay.
    if (event.imported_from) return;
    for (const hook of await liveWebhooks(this.deps.db)) {
      if (hook.status !== 'active' || !wants(hook, event.type)) continue;
      const format = webhookFormat(hook.format);
      if (!format) {
        // A door's webhook on a server that runs without that door: another server delivers it.
        this.deps.log.warn({ webhook: hook.id, format: hook.format }, 'no such webhook format on this server; not delivered from here');
        continue;
      }
      const delivery = await format.render(this.deps, hook, event);
      if (delivery) await this.attempt(hook, event, delivery, 1);
    }
  }

  private async attempt(hook: WebhookRow, event: RegistryEvent, delivery: WebhookDelivery, attempt: number): Promise<void> {
    if (this.stopped) return;
    const id = await claimAttempt(this.deps.db, { webhook_id: hook.id, event_id: event.id, event_type: event.type, attempt, time: this.deps.clock.now() }, this.deps.caps.isUniqueViolation);
    if (id === null) return; // another server owns this delivery
    const started = performance.now();
    const headers = delivery.headers({ key: `${hook.id}:${event.id}`, now: this.deps.clock.now() });
    const r = await postDelivery(hook.url, delivery.body, headers, this.opts.timeoutMs);
    const result = { status: r.ok ? 'delivered' : 'failed', status_code: r.status_code, error: r.error };
    const retryIn = this.opts.retryDelaysMs[attempt - 1];
    if (result.status === 'failed' && retryIn === undefined) result.status = 'gave_up';
    await finishAttempt(this.deps.db, id, { ...result, duration_ms: performance.now() - started });
    if (result.status === 'failed' && !this.stopped) {
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.track(this.attempt(hook, event, delivery, attempt + 1));
      }, retryIn);
      t.unref();
      this.timers.add(t);
    }
  }
}
