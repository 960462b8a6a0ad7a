// On a version's page: the MLflow 3 logged model the version was registered from (MLflow's
// model_id), with its params and metrics and a link to its own page. Nothing when there is none.
import { Link } from 'react-router';
import { useSession } from '../lib/session';
import { useResource } from '../lib/use-resource';
import { ErrorNote } from './ErrorNote';
import { KeyValues } from './KeyValues';
import { LoggedModelFacts, LoggedModelMetrics } from './LoggedModelParts';

export function LoggedModelPanel({ name, version }: { name: string; version: number }) {
  const { api } = useSession();
  const res = useResource((signal) => api.versionLoggedModel(name, version, signal), [api, name, version]);
  if (res.error) return <ErrorNote error={res.error} />;
  const m = res.data;
  if (!m) return null;
  return (
    <section aria-labelledby="logged-model-h" className="card">
      <h2 id="logged-model-h">Logged model</h2>
      <p className="small muted">
        v{version} was registered from this MLflow 3 logged model.{' '}
        <Link to={`/logged-models/${encodeURIComponent(m.model_id)}`}>Open logged model {m.model_id}</Link>
      </p>
      <div className="grid-3 top-aligned">
        <LoggedModelFacts m={m} />
        <KeyValues title="Params" values={m.params} />
        <LoggedModelMetrics metrics={m.metrics} />
      </div>
    </section>
  );
}
