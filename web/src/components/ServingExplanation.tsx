// "Is this version serving, and if not, why?" at the top of a version page, in one card: the
// verdict, each cause found (gateway's reason, files, stage, health) and the next step.
import { useEffect } from 'react';
import { useLiveTick } from '../lib/live';
import { servingVerdict } from '../lib/serving-why';
import { useSession } from '../lib/session';
import { isNotFound, useResource } from '../lib/use-resource';
import type { Version } from '../types';

/** Replicas report by heartbeat, not by event: poll as the Serving card does. */
const REFRESH_MS = 5_000;

export function ServingExplanation({ v, paths }: { v: Version; paths: string[] | null }) {
  const { api } = useSession();
  const tick = useLiveTick(v.name);
  const status = useResource(async (signal) => {
    try {
      return await api.servingStatus(v.name, signal);
    } catch (err) {
      if (isNotFound(err)) return null; // no serving extension, or nothing reported yet
      throw err;
    }
  }, [api, v.name, tick]);
  const events = useResource((signal) => api.listEvents(v.name, { limit: 200 }, signal), [api, v.name, tick]);
  const { reload } = status;
  useEffect(() => {
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);
  if (status.data === undefined && !status.error) return null;
  const verdict = servingVerdict({ version: v, paths, status: status.data ?? null, events: events.data?.events ?? [] });
  return (
    <section aria-labelledby="why-h" className={`card verdict verdict-${verdict.state}`} data-testid="serving-verdict">
      <h2 id="why-h">{verdict.headline}</h2>
      {verdict.reasons.length > 0 && (
        <ul className="reasons">
          {verdict.reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      )}
      {verdict.next && (
        <p className="small next">
          {verdict.next.text} {verdict.next.command && <code>{verdict.next.command}</code>}
        </p>
      )}
    </section>
  );
}
