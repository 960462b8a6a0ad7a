// Serving status per gateway replica from GET /models/{name}/status. Before any gateway reports
// (404 or no replicas) it says so plainly instead of showing an error. A replica the registry cannot
// vouch for (silent, behind the change feed) is unknown: shown in amber with the version it was
// last seen serving and why, and the model is never shown as converged while one is.
import { useEffect } from 'react';
import { useLiveTick } from '../lib/live';
import { useSession } from '../lib/session';
import { isNotFound, useResource } from '../lib/use-resource';
import { relativeTime, formatTime } from '../lib/format';
import { ErrorNote } from './ErrorNote';

const REFRESH_MS = 5_000;

export function ServingStatus({ model }: { model: string }) {
  const { api } = useSession();
  const tick = useLiveTick(model);
  const status = useResource((signal) => api.servingStatus(model, signal), [api, model, tick]);
  // Heartbeats are not events: poll as well, so a replica that finished swapping shows up.
  const { reload } = status;
  useEffect(() => {
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);
  const replicas = status.data?.replicas ?? [];
  const unknown = replicas.filter((r) => r.state === 'unknown').length;
  const none = isNotFound(status.error) || (status.data && replicas.length === 0);
  return (
    <section aria-labelledby="serving-h" className="card">
      <h2 id="serving-h">Serving</h2>
      {none && <p className="muted">No gateway reporting.</p>}
      {status.error && !isNotFound(status.error) && <ErrorNote error={status.error} />}
      {status.data && replicas.length > 0 && (
        <>
          <p>
            Target <strong>{status.data.target_version ? `v${status.data.target_version}` : 'none'}</strong>
            {status.data.binding ? ` (${status.data.binding})` : ''} ·{' '}
            {status.data.converged ? (
              <span className="ok">all replicas converged</span>
            ) : unknown ? (
              <span className="warn" data-testid="unknown-replicas">
                not converged: {unknown} replica{unknown > 1 ? 's' : ''} unknown
              </span>
            ) : (
              <span className="warn">converging…</span>
            )}
          </p>
          <div className="table-scroll">
            <table>
              <caption className="sr-only">Gateway replicas</caption>
              <thead>
                <tr>
                  <th scope="col">Replica</th>
                  <th scope="col">Version</th>
                  <th scope="col">State</th>
                  <th scope="col">Heartbeat</th>
                </tr>
              </thead>
              <tbody>
                {replicas.map((r) => (
                  <tr key={r.replica_id} className={r.state === 'unknown' ? 'replica-unknown' : undefined}>
                    <td title={r.url ?? undefined}>{r.replica_id}</td>
                    <td>
                      {r.version ? `v${r.version}` : '—'}
                      {r.state === 'unknown' && <span className="small muted"> last seen</span>}
                    </td>
                    <td>
                      <span className={`state state-${r.state}`}>{r.state}</span>
                      {r.why && <div className="small warn">{r.why}</div>}
                      {r.error && <div className="error-text">{r.error}</div>}
                      {r.last_rejection && (
                        <div className="small warn">
                          token rejected ({r.last_rejection.status}) {r.last_rejection.count}× until {relativeTime(r.last_rejection.last_at)}
                        </div>
                      )}
                    </td>
                    <td title={formatTime(r.last_heartbeat)}>{relativeTime(r.last_heartbeat)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
