// What of an event each reader sees. A URL in an event's details can be a credential (a Slack-style
// webhook URL is its own secret), so URLs — detail fields named `url` or `*_url` — are shown in
// full to admins only; everyone else sees their scheme and host. The audit log keeps them whole.
// Who is an admin is the tokens' business (tokens sit above events): the routes are told.
import type { RegistryEvent } from './events.js';

/** `https://hooks.example.com/…`: the scheme and host of a URL, never its path, query or credentials. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '…';
  }
}

const isUrlField = (key: string) => key === 'url' || key.endsWith('_url');

function redactDetails(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactDetails);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isUrlField(k) && typeof v === 'string' ? redactUrl(v) : redactDetails(v)]));
}

/** The event as this reader may see it. */
export function eventFor(event: RegistryEvent, fullUrls: boolean): RegistryEvent {
  if (fullUrls) return event;
  return { ...event, details: redactDetails(event.details) as Record<string, unknown> };
}
