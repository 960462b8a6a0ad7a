// A model's versions, newest first, a page of 100 at a time (the API's keyset cursor).
import { Link } from 'react-router';
import { useCallback, useEffect, useState } from 'react';
import { useLiveTick } from '../lib/live';
import { useSession } from '../lib/session';
import { formatTime, relativeTime, shortDigest } from '../lib/format';
import type { Version } from '../types';
import { AliasBadge, HealthBadge, StageBadge } from './Badges';
import { ErrorNote } from './ErrorNote';

export function VersionRow({ v }: { v: Version }) {
  return (
    <tr>
      <th scope="row">
        <Link to={`/models/${encodeURIComponent(v.name)}/versions/${v.version}`}>v{v.version}</Link>
      </th>
      <td>{v.label ?? <span className="muted">—</span>}</td>
      <td>
        <StageBadge stage={v.stage} />
      </td>
      <td>{v.aliases.length ? v.aliases.map((a) => <AliasBadge key={a} alias={a} />) : <span className="muted">—</span>}</td>
      <td>
        <HealthBadge health={v.health} reason={v.health_reason} />
      </td>
      <td title={formatTime(v.created_at)}>{relativeTime(v.created_at)}</td>
      <td className="mono" title={v.digest ?? undefined}>
        {shortDigest(v.digest)}
      </td>
      <td className="truncate" title={v.source ?? undefined}>
        {v.source ?? <span className="muted">—</span>}
      </td>
    </tr>
  );
}

export function VersionsTable({ model }: { model: string }) {
  const { api } = useSession();
  const tick = useLiveTick(model);
  const [versions, setVersions] = useState<Version[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [pages, setPages] = useState(1);
  const [error, setError] = useState<unknown>();

  // Reload every page shown so far when something changes (stages and health move on old versions too).
  const load = useCallback(
    async (count: number, signal?: AbortSignal) => {
      let all: Version[] = [];
      let next: string | null = null;
      try {
        for (let i = 0; i < count; i++) {
          const page = await api.listVersions(model, { cursor: next }, signal);
          all = all.concat(page.versions);
          next = page.next_cursor;
          if (!next) break;
        }
        setVersions(all);
        setCursor(next);
        setError(undefined);
      } catch (err) {
        if (!signal?.aborted) setError(err);
      }
    },
    [api, model],
  );

  useEffect(() => {
    const ctrl = new AbortController();
    void load(pages, ctrl.signal);
    return () => ctrl.abort();
  }, [load, pages, tick]);

  return (
    <section aria-labelledby="versions-h" className="card">
      <h2 id="versions-h">Versions</h2>
      <ErrorNote error={error} />
      <div className="table-scroll">
        <table className="versions">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Label</th>
              <th scope="col">Stage</th>
              <th scope="col">Aliases</th>
              <th scope="col">Health</th>
              <th scope="col">Created</th>
              <th scope="col">Digest</th>
              <th scope="col">Source</th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <VersionRow key={v.version} v={v} />
            ))}
          </tbody>
        </table>
      </div>
      {versions.length === 0 && !error && <p className="muted">No versions registered yet.</p>}
      {cursor && (
        <button type="button" onClick={() => setPages((p) => p + 1)}>
          More versions
        </button>
      )}
    </section>
  );
}
