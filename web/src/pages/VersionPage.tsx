// One version: artifacts with sizes and digests, signature, lineage, the logged model it came from
// (MLflow 3), params and metrics, the actions the role allows, and a compare view against any other
// version of the model.
import { Link, useParams, useSearchParams } from 'react-router';
import { AliasBadge, HealthBadge, StageBadge } from '../components/Badges';
import { CompareView } from '../components/CompareView';
import { ErrorNote } from '../components/ErrorNote';
import { KeyValues } from '../components/KeyValues';
import { LoggedModelPanel } from '../components/LoggedModelPanel';
import { ServingExplanation } from '../components/ServingExplanation';
import { VersionActions } from '../components/VersionActions';
import { formatTime, shapeText } from '../lib/format';
import { FilesTable } from '../components/FilesTable';
import { useLiveTick } from '../lib/live';
import { useSession } from '../lib/session';
import { useResource } from '../lib/use-resource';
import type { Version } from '../types';
import { useTitle } from '../lib/use-title';
import { ValidationReport } from '../promotion/ValidationReport';

function Lineage({ v }: { v: Version }) {
  const rows: [string, string | null][] = [
    ['Source', v.source],
    ['Run', v.run_id],
    ['Dataset digest', v.dataset_digest],
    ['Code', v.code_ref],
    ['Runtime', v.runtime],
    ['Registered by', v.created_by],
    ['Registered', formatTime(v.created_at)],
  ];
  return (
    <dl className="lineage">
      {rows.map(([k, val]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd className="mono">{val ?? '—'}</dd>
        </div>
      ))}
    </dl>
  );
}

function Compare({ v }: { v: Version }) {
  const { api } = useSession();
  const [params, setParams] = useSearchParams();
  const other = Number(params.get('compare')) || null;
  const list = useResource((signal) => api.listVersions(v.name, { limit: 1000 }, signal), [api, v.name]);
  const otherV = useResource(async (signal) => (other ? api.getVersion(v.name, other, signal) : null), [api, v.name, other]);
  return (
    <section aria-labelledby="compare-h" className="card">
      <h2 id="compare-h">Compare</h2>
      <label htmlFor="compare-select">Compare v{v.version} with</label>{' '}
      <select id="compare-select" value={other ?? ''} onChange={(e) => setParams(e.target.value ? { compare: e.target.value } : {}, { replace: true })}>
        <option value="">choose a version…</option>
        {(list.data?.versions ?? [])
          .filter((x) => x.version !== v.version)
          .map((x) => (
            <option key={x.version} value={x.version}>
              v{x.version}
              {x.label ? ` (${x.label})` : ''} · {x.stage}
            </option>
          ))}
      </select>
      <ErrorNote error={otherV.error} />
      {otherV.data && <CompareView a={otherV.data} b={v} />}
    </section>
  );
}

export function VersionPage() {
  const params = useParams();
  const name = params.name!;
  const n = Number(params.version);
  useTitle(`${name} v${n}`);
  const { api } = useSession();
  const tick = useLiveTick(name);
  const version = useResource((signal) => api.getVersion(name, n, signal), [api, name, n, tick]);
  const files = useResource((signal) => api.getFiles(name, n, signal), [api, name, n]);
  const v = version.data;
  return (
    <>
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link to="/">Models</Link> <span aria-hidden="true">/</span> <Link to={`/models/${encodeURIComponent(name)}`}>{name}</Link>{' '}
        <span aria-hidden="true">/</span> <span aria-current="page">v{n}</span>
      </nav>
      <ErrorNote error={version.error} />
      {v && (
        <>
          <div className="page-head">
            <div>
              <h1>
                {name} v{n} {v.label && <span className="muted">{v.label}</span>}
              </h1>
              {v.description && <p className="muted">{v.description}</p>}
              <p className="badges">
                <StageBadge stage={v.stage} /> <HealthBadge health={v.health} reason={v.health_reason} />
                {v.aliases.map((a) => (
                  <AliasBadge key={a} alias={a} />
                ))}
              </p>
              {v.health_reason && <p className="small muted">Health: {v.health_reason}</p>}
            </div>
          </div>
          <ServingExplanation v={v} paths={files.data ? files.data.files.map((f) => f.path) : null} />
          <div className="grid-2">
            <section aria-labelledby="lineage-h" className="card">
              <h2 id="lineage-h">Lineage</h2>
              <Lineage v={v} />
            </section>
            <VersionActions v={v} onChanged={version.reload} />
          </div>
          <LoggedModelPanel name={name} version={n} />
          <ValidationReport model={name} version={n} />
          <section aria-labelledby="files-h" className="card">
            <h2 id="files-h">Artifacts</h2>
            <p className="small muted mono" title="digest of the whole version">
              digest {files.data?.digest ?? v.digest ?? '—'}
            </p>
            <ErrorNote error={files.error} />
            <FilesTable files={files.data?.files ?? []} />
          </section>
          <div className="grid-3">
            <section aria-labelledby="sig-h" className="card">
              <h2 id="sig-h">Signature</h2>
              {v.signature ? (
                <KeyValues
                  title="Tensors"
                  values={Object.fromEntries([
                    ...v.signature.inputs.map((t) => [`in ${t.name}`, `${t.type} ${shapeText(t.shape)}`]),
                    ...v.signature.outputs.map((t) => [`out ${t.name}`, `${t.type} ${shapeText(t.shape)}`]),
                  ])}
                />
              ) : (
                <p className="muted">No signature recorded.</p>
              )}
            </section>
            <section aria-labelledby="params-h" className="card">
              <h2 id="params-h">Params</h2>
              <KeyValues title="Training parameters" values={v.params} />
            </section>
            <section aria-labelledby="metrics-h" className="card">
              <h2 id="metrics-h">Metrics</h2>
              <KeyValues title="Evaluation metrics" values={v.metrics} />
            </section>
          </div>
          <Compare v={v} />
        </>
      )}
    </>
  );
}
