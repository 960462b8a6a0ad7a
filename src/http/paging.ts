// Opaque cursors for keyset paging: the client hands back what we gave it, never an offset.
import { invalid } from '../errors.js';

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T>(cursor: string | undefined, check: (v: unknown) => v is T): T | undefined {
  if (!cursor) return undefined;
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (check(value)) return value;
  } catch {
    // fall through
  }
  throw invalid('invalid page cursor; pass back the next_cursor value of a previous answer');
}

export const isTuple2 = (v: unknown): v is [string, number] =>
  Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'number';

/**
 * A keyset page of only the rows `visible` lets through (per-model grants): fetches batches after
 * the last row scanned until `limit + 1` visible rows are in hand or the rows run out, so a page
 * is as full as it would be without hidden rows and its cursor names only a row the caller sees.
 */
export async function visiblePage<T, K>(
  fetch: (after: K | undefined, n: number) => Promise<T[]>,
  keyOf: (row: T) => K,
  visible: ((row: T) => boolean) | undefined,
  after: K | undefined,
  limit: number,
): Promise<T[]> {
  if (!visible) return fetch(after, limit + 1);
  const out: T[] = [];
  const batch = Math.max(limit + 1, 100);
  let cursor = after;
  for (;;) {
    const rows = await fetch(cursor, batch);
    for (const row of rows) {
      if (visible(row)) out.push(row);
      if (out.length > limit) return out;
    }
    if (rows.length < batch) return out;
    cursor = keyOf(rows[rows.length - 1]);
  }
}
