// A webhook's wire format: what body a matching event becomes and how a delivery is signed. The
// native format is Stagecraft's; a door with its own webhook protocol (the MLflow door) registers
// its format here, so notify keeps one store, one delivery log, one retry policy and one feed
// subscription for every webhook without knowing any door (doors import notify, never back).
import { createHmac } from 'node:crypto';
import type { Deps } from '../../deps.js';
import type { RegistryEvent } from '../../registry/index.js';
import type { WebhookRow } from './webhooks-store.js';

/** One rendered delivery: the body is fixed across retries; headers are made for each attempt. */
export interface WebhookDelivery {
  body: string;
  /**
   * The headers of one attempt. `key` is the same for every attempt of the same (webhook, event),
   * so a receiver can drop a duplicate; `now` is the attempt's time (ms), for timestamped signatures.
   */
  headers(attempt: { key: string; now: number }): Record<string, string>;
}

export interface WebhookFormat {
  name: string;
  /**
   * The delivery of this event to this webhook, or null when the webhook, looked at closely, does
   * not want it (its coarse Stagecraft event patterns matched; the format's own filter did not).
   */
  render(deps: Deps, hook: WebhookRow, event: RegistryEvent): Promise<WebhookDelivery | null>;
}

export const NATIVE_FORMAT = 'stagecraft';

export function sign(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

const nativeFormat: WebhookFormat = {
  name: NATIVE_FORMAT,
  async render(_deps, hook, event) {
    const body = JSON.stringify(event);
    return {
      body,
      headers: ({ key }) => ({ 'content-type': 'application/json', 'stagecraft-signature': sign(body, hook.secret), 'stagecraft-event': event.type, 'stagecraft-delivery': key }),
    };
  },
};

// Formats are code, not state: registering the same one twice (a second server in one process,
// as the tests build) replaces it with itself.
const formats = new Map<string, WebhookFormat>([[NATIVE_FORMAT, nativeFormat]]);

export function registerWebhookFormat(format: WebhookFormat): void {
  formats.set(format.name, format);
}

export function webhookFormat(name: string): WebhookFormat | undefined {
  return formats.get(name);
}
