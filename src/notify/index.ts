// notify's public surface: what another extension (the MLflow door) may use. A door registers its
// own wire format and manages webhooks through the service; store, dispatcher and delivery log stay
// notify's business.
export { postDelivery } from './webhooks/webhook-dispatcher.js';
export { registerWebhookFormat, type WebhookDelivery, type WebhookFormat } from './webhooks/webhook-formats.js';
export { checkEventPatterns, createWebhook, deleteWebhook, getWebhook, listWebhooks, updateWebhook, type WebhookStatus } from './webhooks/webhooks-service.js';
export type { WebhookRow } from './webhooks/webhooks-service.js';
