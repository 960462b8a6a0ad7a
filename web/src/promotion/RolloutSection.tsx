// The model's canary rollout: candidate vs baseline, the step and share now, the last analysis with
// its evidence, and pause/resume/abort/promote for deployers. Ended rollouts stay visible (status
// says so) until a new one starts, so "why did the canary abort?" is answered on the page.
import { useState } from 'react';
import { ErrorNote } from '../components/ErrorNote';
import { formatTime, relativeTime } from '../lib/format';
import { useSession } from '../lib/session';
import type { Rollout, RolloutAction, RolloutAnalysis } from './promotion-api';
import { ms, num, pct } from './promotion-format';

const ACTIVE = new Set(['running', 'paused']);

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge promo-${status}`}>{status}</span>;
}

function AnalysisEvidence({ a }: { a: RolloutAnalysis }) {
  return (
    <div data-testid="rollout-analysis">
      <p>
        Last analysis at step {a.step + 1} ({a.weight}%): <strong>{a.outcome}</strong>{' '}
        <time className="muted small" dateTime={a.at} title={formatTime(a.at)}>
          {relativeTime(a.at)}
        </time>
      </p>
      {a.reasons.length > 0 && (
        <ul className="small">
          {a.reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      )}
      <table className="compact">
        <caption className="sr-only">Candidate vs baseline in the analysis window</caption>
        <thead>
          <tr>
            <th scope="col">Side</th>
            <th scope="col">Requests</th>
            <th scope="col">Errors</th>
            <th scope="col">Error rate</th>
            <th scope="col">p95</th>
          </tr>
        </thead>
        <tbody>
          {(['candidate', 'baseline'] as const).map((side) => (
            <tr key={side}>
              <th scope="row">
                {side} v{a[side].version}
              </th>
              <td>{a[side].requests}</td>
              <td>{a[side].errors}</td>
              <td>{pct(a[side].error_rate, 2)}</td>
              <td>{ms(a[side].p95_ms)}</td>
            </tr>
          ))}
          {a.policy?.map((p) => (
            <tr key={p.metric}>
              <th scope="row">{p.metric}</th>
              <td colSpan={2}>{p.verdict}</td>
              <td colSpan={2} className="small">
                {num(p.candidate)} vs {num(p.baseline)} ({p.samples} samples) {p.detail}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function RolloutSection({ model, rollout, canDeploy, onChanged }: { model: string; rollout: Rollout; canDeploy: boolean; onChanged: () => void }) {
  const { api } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const last = rollout.analyses[rollout.analyses.length - 1];
  const active = ACTIVE.has(rollout.status);

  const act = async (action: RolloutAction) => {
    setBusy(true);
    setError(undefined);
    try {
      await api.promotion.rolloutAction(model, action, action === 'abort' || action === 'pause' ? 'from the web UI' : undefined);
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="rollout-h" className="promo-part">
      <h3 id="rollout-h">Canary rollout</h3>
      <p data-testid="rollout-summary">
        <StatusBadge status={rollout.status} /> v{rollout.version} (candidate) vs v{rollout.baseline_version} (baseline) ·{' '}
        {active ? (
          <>
            step {rollout.step_index + 1} of {rollout.steps.length}, <strong>{rollout.weight}%</strong> of traffic on the candidate
          </>
        ) : (
          <>ended: {rollout.ended_reason ?? rollout.status}</>
        )}
      </p>
      <p className="small muted">
        Steps {rollout.steps.map((s) => `${s}%`).join(' → ')}, {rollout.step_minutes} min each{rollout.key_header ? `, sticky on ${rollout.key_header}` : ''} · started by {rollout.created_by}{' '}
        <time dateTime={rollout.created_at} title={formatTime(rollout.created_at)}>
          {relativeTime(rollout.created_at)}
        </time>
      </p>
      {last ? <AnalysisEvidence a={last} /> : <p className="muted small">No analysis yet.</p>}
      {canDeploy && active && (
        <div className="actions rollout-actions" role="group" aria-label="Rollout actions">
          {rollout.status === 'running' ? (
            <button type="button" disabled={busy} onClick={() => void act('pause')}>
              Pause rollout
            </button>
          ) : (
            <button type="button" disabled={busy} onClick={() => void act('resume')}>
              Resume rollout
            </button>
          )}
          <button type="button" disabled={busy} onClick={() => void act('promote')}>
            Promote v{rollout.version} now
          </button>
          <button type="button" className="danger" disabled={busy} onClick={() => void act('abort')}>
            Abort rollout
          </button>
        </div>
      )}
      <ErrorNote error={error} />
    </section>
  );
}
