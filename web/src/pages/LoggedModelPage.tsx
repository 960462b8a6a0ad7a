// One MLflow 3 logged model: who logged it (run, experiment), its status, params, metrics, tags,
// the files stored for it with their digests, and the registered versions made from it.
import { Link, useParams } from 'react-router';
import { ErrorNote } from '../components/ErrorNote';
import { KeyValues } from '../components/KeyValues';
import { LoggedModelFacts, LoggedModelMetrics } from '../components/LoggedModelParts';
import { formatTime } from '../lib/format';
import { FilesTable } from '../components/FilesTable';
import { useSession } from '../lib/session';
import { useResource } from '../lib/use-resource';
import { useTitle } from '../lib/use-title';

export function LoggedModelPage() {
  const id = useParams().id!;
  useTitle(`logged model ${id}`);
  const { api } = useSession();
  const res = useResource((signal) => api.getLoggedModel(id, signal), [api, id]);
  const m = res.data;
  return (
    <>
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link to="/">Models</Link> <span aria-hidden="true">/</span> <span aria-current="page">logged model {id}</span>
      </nav>
      <ErrorNote error={res.error} />
      {m && (
        <>
          <div className="page-head">
            <div>
              <h1>
                Logged model {m.name} <span className="muted mono small">{m.model_id}</span>
              </h1>
              <p className="small muted">
                Logged {formatTime(m.created_at)}, last changed {formatTime(m.updated_at)}. {m.artifact_uri}
              </p>
            </div>
          </div>
          <div className="grid-2">
            <section aria-labelledby="lm-facts-h" className="card">
              <h2 id="lm-facts-h">Logged model</h2>
              <LoggedModelFacts m={m} />
            </section>
            <section aria-labelledby="lm-versions-h" className="card">
              <h2 id="lm-versions-h">Registered versions</h2>
              {m.versions.length === 0 ? (
                <p className="muted">No version was registered from it yet.</p>
              ) : (
                <ul>
                  {m.versions.map((v) => (
                    <li key={`${v.name}/${v.version}`}>
                      <Link to={`/models/${encodeURIComponent(v.name)}/versions/${v.version}`}>
                        {v.name} v{v.version}
                      </Link>
                    </li>
                  ))}
                </ul>
              )}
            </section>
          </div>
          <div className="grid-3">
            <section aria-labelledby="lm-params-h" className="card">
              <h2 id="lm-params-h">Params</h2>
              <KeyValues title="Params" values={m.params} />
            </section>
            <section aria-labelledby="lm-metrics-h" className="card">
              <h2 id="lm-metrics-h">Metrics</h2>
              <LoggedModelMetrics metrics={m.metrics} />
            </section>
            <section aria-labelledby="lm-tags-h" className="card">
              <h2 id="lm-tags-h">Tags</h2>
              <KeyValues title="Tags" values={m.tags} />
            </section>
          </div>
          <section aria-labelledby="lm-files-h" className="card">
            <h2 id="lm-files-h">Files</h2>
            <p className="small muted mono">
              digest {m.digest}
              {m.ready_digest && m.ready_digest !== m.digest ? ` (changed since it was finalized as ${m.ready_digest})` : ''}
            </p>
            <FilesTable files={m.files} empty="no files uploaded" />
          </section>
        </>
      )}
    </>
  );
}
