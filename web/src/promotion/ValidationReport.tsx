// A version's latest validation report: each gate check, pass/fail in words, the holdout metrics of
// the candidate vs the Production baseline on the same rows, and an admin override with its reason.
// A version never validated answers 404: "not validated yet", not an error.
import { ErrorNote } from '../components/ErrorNote';
import './promotion.css';
import { formatTime, relativeTime } from '../lib/format';
import { useLiveTick } from '../lib/live';
import { useSession } from '../lib/session';
import { isNotFound, useResource } from '../lib/use-resource';
import type { ValidationReport as Report } from './promotion-api';
import { num } from './promotion-format';

function Checks({ report }: { report: Report }) {
  return (
    <table className="compact" aria-label="Validation checks">
      <thead>
        <tr>
          <th scope="col">Check</th>
          <th scope="col">Result</th>
          <th scope="col">Measured vs threshold</th>
        </tr>
      </thead>
      <tbody>
        {report.checks.map((c) => (
          <tr key={c.name}>
            <th scope="row">{c.name}</th>
            <td>
              <span className={`badge promo-${c.skipped ? 'skipped' : c.passed ? 'passed' : 'failed'}`}>{c.skipped ? 'skipped' : c.passed ? 'pass' : 'fail'}</span>
            </td>
            <td className="small">{c.message}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Metrics({ m, baseline }: { m: NonNullable<Report['metrics']>; baseline: number | null }) {
  const names = Object.keys(m.candidate);
  return (
    <table className="compact" aria-label="Holdout metrics">
      <caption className="small muted">Holdout metrics on {m.rows} rows</caption>
      <thead>
        <tr>
          <th scope="col">Metric</th>
          <th scope="col">This version</th>
          <th scope="col">{baseline ? `Production v${baseline}` : 'Production'}</th>
        </tr>
      </thead>
      <tbody>
        {names.map((k) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td>{num(m.candidate[k], 4)}</td>
            <td>{num(m.baseline?.[k], 4)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ValidationReport({ model, version }: { model: string; version: number }) {
  const { api } = useSession();
  const tick = useLiveTick(model);
  const res = useResource(
    (signal) =>
      api.promotion.validation(model, version, signal).catch((err: unknown) => {
        if (isNotFound(err)) return null;
        throw err;
      }),
    [api, model, version, tick],
  );
  const r = res.data;
  return (
    <section aria-labelledby="validation-h" className="card">
      <h2 id="validation-h">Validation report</h2>
      <ErrorNote error={res.error} />
      {r === null && <p className="muted">Not validated yet.</p>}
      {r && (
        <>
          <p data-testid="validation-verdict">
            <span className={`badge promo-${r.passed ? 'passed' : 'failed'}`}>{r.passed ? 'passed' : 'failed'}</span> for {r.stage}
            {r.failed_checks.length > 0 && <> · failed: {r.failed_checks.join(', ')}</>} · by {r.actor}{' '}
            <time className="muted small" dateTime={r.ran_at} title={formatTime(r.ran_at)}>
              {relativeTime(r.ran_at)}
            </time>
          </p>
          {r.override && (
            <p className="override" data-testid="validation-override">
              <strong>Overridden</strong> by {r.override.actor}: {r.override.reason}
            </p>
          )}
          <Checks report={r} />
          {r.metrics && <Metrics m={r.metrics} baseline={r.baseline_version} />}
        </>
      )}
    </section>
  );
}
