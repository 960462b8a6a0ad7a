// The grant set every check reads, kept in memory. A change made on this server reloads it before
// the change's answer goes out; a change made on another server behind the same database is seen
// within REFRESH_MS: a check that finds the set older than that starts a cheap fingerprint query
// (max(id) and count) in the background and keeps answering from the set it has meanwhile.
import type { Deps } from '../deps.js';
import { GrantSet, type GrantRule } from './grants.js';
import { grantsFingerprint, listGrantRows } from './grants-store.js';

const REFRESH_MS = 1000;

export function grantsCache(deps: Pick<Deps, 'db' | 'log'>) {
  let set = new GrantSet([]);
  let fingerprint: string | null = null;
  let checkedAt = 0;
  let refreshing: Promise<void> | null = null;

  async function reload(): Promise<void> {
    const rows = await listGrantRows(deps.db);
    set = new GrantSet(rows as GrantRule[]);
    const max = rows.reduce((m, r) => Math.max(m, Number(r.id)), 0);
    fingerprint = `${max}/${rows.length}`;
    checkedAt = Date.now();
  }

  async function refresh(): Promise<void> {
    const now = await grantsFingerprint(deps.db);
    const [max, n] = now.split('/');
    if (`${Number(max)}/${Number(n)}` !== fingerprint) await reload();
    else checkedAt = Date.now();
  }

  return {
    /** The set to answer from now (refreshing it in the background when it may be stale). */
    current(): GrantSet {
      if (Date.now() - checkedAt > REFRESH_MS && !refreshing) {
        refreshing = (fingerprint === null ? reload() : refresh())
          .catch((err: unknown) => deps.log.warn({ err }, 'grants: refresh failed; answering from the last set'))
          .finally(() => {
            refreshing = null;
          });
      }
      return set;
    },
    /** Loads the set (at start, and at once after a change on this server). */
    load: reload,
  };
}

export type GrantsCache = ReturnType<typeof grantsCache>;
