// One model: whether it is protected, what serves now and since when, the Roll back button,
// versions, serving status per replica, live health charts and the timeline. Everything refreshes
// from the change feed.
import { lazy, Suspense, useState } from 'react';
import { Link, useParams } from 'react-router';
import { AliasBadge, HealthBadge } from '../components/Badges';
import { ErrorNote } from '../components/ErrorNote';
import { RollbackDialog } from '../components/RollbackDialog';
import { ServingStatus } from '../components/ServingStatus';
import { Timeline } from '../components/Timeline';
import { VersionsTable } from '../components/VersionsTable';
import { ProtectedSetting } from '../components/ProtectedSetting';
import { PromotionPanel } from '../promotion/PromotionPanel';
import { formatTime, relativeTime, roleAtLeast } from '../lib/format';
import { useLiveTick } from '../lib/live';
import { useModelRole } from '../lib/model-role';
import { useSession } from '../lib/session';
import { useResource } from '../lib/use-resource';
import type { RollbackResult } from '../types';
import { useTitle } from '../lib/use-title';

// recharts is most of the bundle: load it with the first model page, not with the models list.
const HealthCharts = lazy(() => import('../components/HealthCharts').then((m) => ({ default: m.HealthCharts })));

export function ModelPage() {
  const name = useParams().name!;
  useTitle(name);
  const { api } = useSession();
  const tick = useLiveTick(name);
  const model = useResource((signal) => api.getModel(name, signal), [api, name, tick]);
  // Since when the current version holds Production, and who put it there (from the audit log).
  const history = useResource((signal) => api.history(name, 'Production', signal), [api, name, tick]);
  const since = history.data?.entries[0];
  const [dialog, setDialog] = useState(false);
  const [notice, setNotice] = useState<string>();
  const m = model.data;
  const prod = m?.production ?? null;
  // What this caller may do on THIS model (per-model grants), not its global role.
  const role = useModelRole(name);
  const canDeploy = roleAtLeast(role, 'deployer');

  /** Prepare, commit, confirm in a sentence: each phase's time and who did not confirm. */
  const phasesSummary = (p: RollbackResult['phases']) => {
    if (p.replicas.length === 0) return 'No gateway serves it.';
    const times = `Prepared in ${p.prepare_ms} ms, committed in ${p.commit_ms} ms, confirmed in ${p.confirm_ms} ms`;
    const missing = p.replicas.filter((x) => x.prepare === 'ready' && x.confirm !== 'serving').map((x) => x.replica_id);
    const unasked = p.replicas.filter((x) => x.prepare === 'not_asked' || x.prepare === 'silent').map((x) => x.replica_id);
    return [
      `${times} on ${p.replicas.length - unasked.length} replica${p.replicas.length - unasked.length === 1 ? '' : 's'}.`,
      missing.length ? `Not confirmed yet: ${missing.join(', ')}.` : '',
      unasked.length ? `Not reachable (not asked): ${unasked.join(', ')}.` : '',
    ].filter(Boolean).join(' ');
  };

  const done = (r: RollbackResult) => {
    setDialog(false);
    setNotice(`Rolled back Production from v${r.from_version} to v${r.to_version}. ${phasesSummary(r.phases)}`);
    model.reload();
  };

  return (
    <>
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link to="/">Models</Link> <span aria-hidden="true">/</span> <span aria-current="page">{name}</span>
      </nav>
      {/* busy until the server said what this caller may do here (the Roll back button) */}
      <div className="page-head" aria-busy={role === undefined} data-testid="model-head">
        <div>
          <h1>{name}</h1>
          {m?.description && <p className="muted">{m.description}</p>}
          {m && <ProtectedSetting model={m} onChanged={model.reload} />}
        </div>
        {canDeploy && prod && (
          <button type="button" className="danger" onClick={() => setDialog(true)}>
            Roll back…
          </button>
        )}
      </div>
      <ErrorNote error={model.error} />
      {m && (
        <section aria-label="Serving summary" className="summary">
          <div className="summary-item">
            <span className="label">Production</span>
            <span className="big" data-testid="production-version">
              {prod ? `v${prod.version}` : 'none'}
            </span>
            {prod && <HealthBadge health={prod.health} reason={prod.health_reason} />}
            {prod && since?.version === prod.version && (
              <span className="small muted" data-testid="production-since">
                since <time dateTime={since.from} title={formatTime(since.from)}>{relativeTime(since.from)}</time>, by {since.actor}
                {since.automatic ? ' (automatic)' : ''}
              </span>
            )}
          </div>
          <div className="summary-item">
            <span className="label">Staging</span>
            <span className="big">{m.stages.Staging ? `v${m.stages.Staging}` : 'none'}</span>
          </div>
          <div className="summary-item">
            <span className="label">Aliases</span>
            <span>{Object.keys(m.aliases).length ? Object.entries(m.aliases).map(([a, v]) => <AliasBadge key={a} alias={`${a} → v${v}`} />) : <span className="muted">none</span>}</span>
          </div>
          <div className="summary-item">
            <span className="label">Versions</span>
            <span className="big">{m.latest_version ?? 0}</span>
          </div>
        </section>
      )}
      {notice && (
        <p role="status" className="notice">
          {notice}
        </p>
      )}
      <div className="grid-2">
        <ServingStatus model={name} />
        <Suspense fallback={<section className="card" aria-busy="true"><h2>Health</h2><p className="muted">Loading charts…</p></section>}>
          <HealthCharts model={name} />
        </Suspense>
      </div>
      <PromotionPanel model={name} />
      <VersionsTable model={name} />
      <Timeline model={name} />
      {dialog && prod && <RollbackDialog model={name} current={prod.version} onClose={() => setDialog(false)} onDone={done} />}
    </>
  );
}
