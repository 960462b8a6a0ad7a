// What the version page's panel and the logged-model page both show of an MLflow 3 logged model:
// its status in words, who it is (id, name, run, experiment) and its metrics with step and dataset.
import type { ReactNode } from 'react';
import type { LoggedModel } from '../types';

const STATUS: Record<string, string> = {
  LOGGED_MODEL_READY: 'ready',
  LOGGED_MODEL_PENDING: 'pending',
  LOGGED_MODEL_UPLOAD_FAILED: 'upload failed',
};

export function LoggedModelStatus({ status }: { status: string }) {
  const word = STATUS[status] ?? status;
  return (
    <span className={`badge logged-${word.replace(' ', '-')}`} title={status}>
      {word}
    </span>
  );
}

export function LoggedModelFacts({ m }: { m: LoggedModel }) {
  const rows: [string, ReactNode][] = [
    ['Model id', <span className="mono">{m.model_id}</span>],
    ['Name', m.name],
    ['Source run', <span className="mono">{m.source_run_id ?? '—'}</span>],
    ['Experiment', <span className="mono">{m.experiment_id}</span>],
    ['Status', <LoggedModelStatus status={m.status} />],
  ];
  if (m.model_type) rows.push(['Type', m.model_type]);
  if (m.deleted) rows.push(['Deleted', 'yes (kept for the versions made from it)']);
  return (
    <dl className="lineage">
      {rows.map(([k, val]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{val}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Metrics logged with the model: one row per key and step (MLflow 3 keeps each step). */
export function LoggedModelMetrics({ metrics }: { metrics: LoggedModel['metrics'] }) {
  return (
    <table>
      <caption>Metrics</caption>
      <thead>
        <tr>
          <th scope="col">Metric</th>
          <th scope="col">Value</th>
          <th scope="col">Step</th>
          <th scope="col">Dataset</th>
        </tr>
      </thead>
      <tbody>
        {metrics.length === 0 && (
          <tr>
            <td colSpan={4} className="muted">
              none recorded
            </td>
          </tr>
        )}
        {metrics.map((x) => (
          <tr key={`${x.key}@${x.step}@${x.timestamp}@${x.dataset_name ?? ''}`}>
            <th scope="row">{x.key}</th>
            <td className="mono">{x.value}</td>
            <td>{x.step}</td>
            <td className="small">{x.dataset_name ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
