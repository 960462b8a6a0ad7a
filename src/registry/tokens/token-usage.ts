// When each token was last used, kept off the request path: a request only notes the token's id in
// memory (a Map lookup); a timer writes the noted ids in one statement a moment later. A token is
// written at most once a minute, however busy it is, so a token on the inference hot path costs one
// UPDATE a minute, never a write per request.
import type { Deps } from '../deps.js';
import { touchTokens } from './tokens-store.js';

/** The finest last-used resolution: a token is written at most this often. */
export const LAST_USED_RESOLUTION_MS = 60_000;
/** How long noted uses wait to be written together. */
const BATCH_MS = 1000;
const MAX_TRACKED = 10_000;

export function tokenUsage(deps: Pick<Deps, 'db' | 'clock' | 'log'>) {
  /** id -> when it was last written (or noted for writing). */
  const written = new Map<string, number>();
  let pending: string[] = [];
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  async function flush(): Promise<void> {
    timer = null;
    const ids = pending;
    pending = [];
    if (ids.length === 0 || closed) return;
    try {
      await touchTokens(deps.db, ids, deps.clock.now());
    } catch (err) {
      // Bookkeeping only: a failed write must never fail a request; the next use notes it again.
      for (const id of ids) written.delete(id);
      deps.log.warn({ err }, 'could not record when tokens were last used');
    }
  }

  return {
    /** Notes a use of the token; cheap, synchronous, never touches the database itself. */
    seen(id: string): void {
      const now = deps.clock.now();
      const last = written.get(id);
      if (last !== undefined && now - last < LAST_USED_RESOLUTION_MS) return;
      if (written.size >= MAX_TRACKED) written.clear();
      written.set(id, now);
      pending.push(id);
      if (!timer) {
        timer = setTimeout(() => void flush(), BATCH_MS);
        timer.unref();
      }
    },
    /** Writes what is noted now (tests; shutdown). */
    async flush(): Promise<void> {
      if (timer) clearTimeout(timer);
      await flush();
    },
    close(): void {
      if (timer) clearTimeout(timer);
      closed = true;
    },
  };
}
