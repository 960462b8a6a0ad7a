// Request ids (the stagecraft-request-id header callers attach ground truth to). They are UUIDv7
// (RFC 9562): the first 48 bits are the Unix time in milliseconds, so ids sort by arrival and the
// retained-prediction index (request_id, row) grows at its end instead of at a random page per
// insert — random v4 ids made every batch dirty hundreds of index pages.
import { randomUUID } from 'node:crypto';

export function requestId(now = Date.now()): string {
  // randomUUID() draws from a cached entropy pool: cheaper than randomBytes() per request.
  const random = randomUUID();
  const t = now.toString(16).padStart(12, '0');
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${random.slice(15)}`;
}
