// Side-by-side differences of two versions; changed rows are marked in text as well as colour.
import { compareVersions, type Diff } from '../lib/compare';
import type { Version } from '../types';

function fmt(x: unknown): string {
  if (x === undefined) return '—';
  if (typeof x === 'number') return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(4)));
  return String(x);
}

function DiffTable<T>({ title, rows, a, b, numeric }: { title: string; rows: Diff<T>[]; a: number; b: number; numeric?: boolean }) {
  return (
    <table className="diff">
      <caption>{title}</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">v{a}</th>
          <th scope="col">v{b}</th>
          {numeric && <th scope="col">Change</th>}
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 && (
          <tr>
            <td colSpan={numeric ? 4 : 3} className="muted">
              none on either version
            </td>
          </tr>
        )}
        {rows.map((r) => (
          <tr key={r.key} className={r.changed ? 'changed' : undefined}>
            <th scope="row">
              {r.key}
              {r.changed && <span className="sr-only"> (differs)</span>}
            </th>
            <td>{fmt(r.a)}</td>
            <td>{fmt(r.b)}</td>
            {numeric && <td>{typeof r.a === 'number' && typeof r.b === 'number' ? `${r.b - r.a >= 0 ? '+' : ''}${fmt(r.b - r.a)}` : '—'}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function CompareView({ a, b }: { a: Version; b: Version }) {
  const d = compareVersions(a, b);
  return (
    <div className="compare" aria-label={`Compare v${a.version} with v${b.version}`}>
      <DiffTable title="Metrics" rows={d.metrics} a={a.version} b={b.version} numeric />
      <DiffTable title="Params" rows={d.params} a={a.version} b={b.version} />
      <DiffTable title="Signature" rows={d.signature} a={a.version} b={b.version} />
    </div>
  );
}
