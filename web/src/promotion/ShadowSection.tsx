// The model's shadow run: which candidate sees a mirrored share of requests, and how its answers
// compare with the serving version's (the callers only ever got the serving version's answers).
import { formatTime, relativeTime } from '../lib/format';
import type { Shadow } from './promotion-api';
import { ms, num, pct } from './promotion-format';
import { StatusBadge } from './RolloutSection';

/** Mirroring writes no events (it would flood the log), so a running report refreshes on request. */
export function ShadowSection({ shadow, onRefresh }: { shadow: Shadow; onRefresh?: () => void }) {
  const r = shadow.report;
  return (
    <section aria-labelledby="shadow-h" className="promo-part">
      <h3 id="shadow-h">Shadow</h3>
      <p data-testid="shadow-summary">
        <StatusBadge status={shadow.status} /> v{shadow.version} shadows {shadow.serving_version ? `v${shadow.serving_version}` : 'the serving version'} on {shadow.percent}% of requests · started by {shadow.created_by}{' '}
        <time dateTime={shadow.started_at} title={formatTime(shadow.started_at)}>
          {relativeTime(shadow.started_at)}
        </time>
      </p>
      {r ? (
        <dl className="kv promo-kv" aria-label="Shadow report">
          <dt>Mirrored requests</dt>
          <dd>
            {r.mirrored_requests} ({r.dropped_requests} dropped, {r.compared_rows} rows compared)
          </dd>
          {r.task === 'classification' ? (
            <>
              <dt>Agreement rate</dt>
              <dd>{pct(r.agreement_rate)}</dd>
            </>
          ) : (
            <>
              <dt>Mean absolute difference</dt>
              <dd>{num(r.mean_abs_diff, 4)}</dd>
            </>
          )}
          <dt>Distribution distance (KS)</dt>
          <dd>{num(r.ks_distance)}</dd>
          <dt>Candidate latency</dt>
          <dd>
            p50 {ms(r.candidate_latency_p50_ms)}, p95 {ms(r.candidate_latency_p95_ms)}
          </dd>
          <dt>Candidate errors</dt>
          <dd>
            {r.candidate_errors} ({pct(r.candidate_error_rate, 2)})
          </dd>
        </dl>
      ) : (
        <p className="muted small">No mirrored requests yet.</p>
      )}
      {shadow.status === 'running' && onRefresh && (
        <button type="button" onClick={onRefresh}>
          Refresh shadow report
        </button>
      )}
    </section>
  );
}
