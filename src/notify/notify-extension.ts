// Notification as an extension: webhook subscriptions and the dispatcher that follows the event
// feed and delivers each matching event, signed, with retries.
import type { Extension } from '../extension.js';
import { DEFAULT_DISPATCH, WebhookDispatcher, type DispatcherOptions } from './webhooks/webhook-dispatcher.js';
import { webhooksRoutes } from './webhooks/webhooks-routes.js';

export function notifyExtension(opts: { webhooks?: Partial<DispatcherOptions> } = {}): Extension {
  let dispatcher: WebhookDispatcher | null = null;
  return {
    name: 'notify',
    routes(app, { deps }) {
      const d = new WebhookDispatcher(deps, { ...DEFAULT_DISPATCH, ...opts.webhooks });
      dispatcher = d;
      webhooksRoutes(app, deps);
      app.addHook('onReady', async () => d.start());
      app.addHook('onClose', async () => d.stop());
    },
    async close() {
      await dispatcher?.stop();
    },
  };
}
