// The model's last rollback drill (passed/failed, both switch times, failed requests) and, at a
// glance, when a drill last passed: the rollback is known to work only as of that moment.
import { formatTime, relativeTime } from '../lib/format';
import type { Drill, Drills } from './promotion-api';
import { ms } from './promotion-format';

function switchText(s: Drill['to_candidate']) {
  return `${s.ms === null ? 'never converged' : ms(s.ms)}, ${s.failed_probes}/${s.probes} requests failed`;
}

export function DrillSection({ drills }: { drills: Drills }) {
  const last = drills.drills[0];
  const passed = drills.last_passed;
  return (
    <section aria-labelledby="drill-h" className="promo-part">
      <h3 id="drill-h">Rollback drill</h3>
      <p data-testid="last-successful-drill">
        <strong>Last successful drill:</strong>{' '}
        {passed ? (
          <>
            <time dateTime={passed.ran_at} title={formatTime(passed.ran_at)}>
              {relativeTime(passed.ran_at)}
            </time>{' '}
            (v{passed.candidate_version} ↔ v{passed.previous_version} in {passed.stage})
          </>
        ) : (
          'never'
        )}
      </p>
      {last ? (
        <div data-testid="last-drill">
          <p>
            Last drill: <span className={`badge promo-${last.passed ? 'passed' : 'failed'}`}>{last.passed ? 'passed' : 'failed'}</span> in {last.stage} by {last.actor}{' '}
            <time className="muted small" dateTime={last.ran_at} title={formatTime(last.ran_at)}>
              {relativeTime(last.ran_at)}
            </time>
            {last.stage_restored ? '' : ' · stage NOT restored'}
          </p>
          <dl className="kv promo-kv" aria-label="Last drill switches">
            <dt>To candidate v{last.to_candidate.to_version}</dt>
            <dd>{switchText(last.to_candidate)}</dd>
            <dt>Back to v{last.back_to_previous.to_version}</dt>
            <dd>{switchText(last.back_to_previous)}</dd>
          </dl>
          {last.problems.length > 0 && (
            <ul className="small">
              {last.problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          )}
        </div>
      ) : (
        <p className="muted small">No drill yet.</p>
      )}
    </section>
  );
}
