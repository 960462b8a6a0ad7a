// Live health per version from GET /models/{name}/metrics: one small chart per metric, one line per
// version, policy thresholds as dashed reference lines and rollbacks as markers on the time axis.
import { useEffect } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useLiveTick } from '../lib/live';
import { useSession } from '../lib/session';
import { isNotFound, useResource } from '../lib/use-resource';
import type { MetricPoint, Metrics } from '../types';
import { ErrorNote } from './ErrorNote';

type MetricKey = Exclude<keyof MetricPoint, 't'>;

/** `share`: a value between 0 and 1, drawn on a fixed 0–1 axis so a flat 0 or 1 reads as what it is. */
export const CHARTS: { key: MetricKey; title: string; unit?: string; share?: boolean }[] = [
  { key: 'requests', title: 'Requests' },
  { key: 'error_rate', title: 'Error rate', share: true },
  { key: 'latency_p99_ms', title: 'Latency p99', unit: 'ms' },
  { key: 'accuracy', title: 'Accuracy', share: true },
  { key: 'recall', title: 'Recall', share: true },
  { key: 'drift_share', title: 'Drift (share of features)', share: true },
];

/** A series with this few points gets dots: one minute of traffic (a demo, a quiet model) is one point, which a bare line does not draw. */
const SPARSE_POINTS = 30;

const PALETTE = ['#2f6fde', '#d9822b', '#2e9e6a', '#9b51e0', '#c23a3a', '#6b7785'];
const REFRESH_MS = 30_000;

/** Rows keyed by time, one column per version ("v3"), as recharts wants them. */
export function chartRows(metrics: Metrics, key: MetricKey): Record<string, number | null>[] {
  const byTime = new Map<number, Record<string, number | null>>();
  for (const v of metrics.versions) {
    for (const p of v.series) {
      const ts = Date.parse(p.t);
      const row = byTime.get(ts) ?? { ts };
      row[`v${v.version}`] = p[key];
      byTime.set(ts, row);
    }
  }
  return [...byTime.values()].sort((a, b) => (a.ts as number) - (b.ts as number));
}

const hasData = (rows: Record<string, number | null>[]) => rows.some((r) => Object.entries(r).some(([k, x]) => k !== 'ts' && x !== null && x !== undefined));
const clock = (ts: number) => new Date(ts).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hour12: false });

function MetricChart({ metrics, chart }: { metrics: Metrics; chart: (typeof CHARTS)[number] }) {
  const rows = chartRows(metrics, chart.key);
  const thresholds = metrics.thresholds.filter((t) => t.metric === chart.key);
  const label = `${chart.title}${chart.unit ? ` (${chart.unit})` : ''}`;
  if (!hasData(rows)) {
    return (
      <figure className="chart empty" aria-label={label}>
        <figcaption>{label}</figcaption>
        <p className="muted small">No data in this window.</p>
      </figure>
    );
  }
  // What the lines say, in words, for screen readers: the latest value of each version.
  const latest = metrics.versions
    .map((v) => {
      const last = [...v.series].reverse().find((p) => p[chart.key] !== null);
      return last ? `v${v.version} ${Number(last[chart.key]!.toPrecision(3))}` : null;
    })
    .filter(Boolean)
    .join(', ');
  return (
    <figure className="chart" aria-label={label}>
      <figcaption>
        {label}
        <span className="sr-only">: latest {latest}{thresholds.length ? `; limits ${thresholds.map((t) => [t.min, t.max].filter((x) => x !== null).join('–')).join(', ')}` : ''}</span>
      </figcaption>
      <ResponsiveContainer width="100%" height={150}>
        <LineChart data={rows} margin={{ top: 6, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="#eef0f3" vertical={false} />
          <XAxis dataKey="ts" type="number" scale="time" domain={['dataMin', 'dataMax']} tickFormatter={clock} tickCount={5} fontSize={11} stroke="#8a94a3" padding={{ left: 4, right: 8 }} />
          <YAxis width={44} fontSize={11} stroke="#8a94a3" domain={chart.share ? [0, 1] : [0, 'auto']} />
          <Tooltip labelFormatter={(ts) => new Date(Number(ts)).toLocaleString()} />
          {metrics.versions.map((v, i) => (
            <Line
              key={v.version}
              dataKey={`v${v.version}`}
              name={`v${v.version}`}
              stroke={PALETTE[i % PALETTE.length]}
              dot={v.series.filter((p) => p[chart.key] !== null).length <= SPARSE_POINTS ? { r: 3, fill: PALETTE[i % PALETTE.length] } : false}
              strokeWidth={2}
              connectNulls
              isAnimationActive={false}
            />
          ))}
          {thresholds.flatMap((t) =>
            [t.min, t.max]
              .filter((y): y is number => y !== null)
              .map((y) => <ReferenceLine key={`${t.metric}-${y}`} y={y} stroke="#c23a3a" strokeDasharray="4 3" label={{ value: `limit ${y}`, fontSize: 10, fill: '#c23a3a', position: 'insideTopRight' }} />),
          )}
          {metrics.rollbacks.map((r) => (
            <ReferenceLine key={r.time} x={Date.parse(r.time)} ifOverflow="extendDomain" stroke="#7a3fc2" label={{ value: `↩ v${r.to_version}`, fontSize: 10, fill: '#7a3fc2', position: 'insideTopRight' }} />
          ))}
          {metrics.versions.length > 1 && <Legend iconSize={8} wrapperStyle={{ fontSize: 11 }} />}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}

export function HealthCharts({ model }: { model: string }) {
  const { api } = useSession();
  const tick = useLiveTick(model);
  const res = useResource((signal) => api.metrics(model, { window_seconds: 3600, step_seconds: 60 }, signal), [api, model, tick]);
  const { reload } = res;
  useEffect(() => {
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);

  const empty = isNotFound(res.error) || (res.data && res.data.versions.length === 0);
  return (
    <section aria-labelledby="health-h" className="card">
      <h2 id="health-h">Health, last hour</h2>
      {empty && <p className="muted">No monitoring data yet: charts appear once a gateway serves this model.</p>}
      {res.error && !isNotFound(res.error) && <ErrorNote error={res.error} />}
      {res.data && res.data.versions.length > 0 && (
        <>
          {res.data.rollbacks.length > 0 && (
            <p className="small muted">
              Rollbacks in this window:{' '}
              {res.data.rollbacks.map((r) => `v${r.from_version} → v${r.to_version} at ${clock(Date.parse(r.time))} by ${r.actor}`).join('; ')}
            </p>
          )}
          <div className="charts">
            {CHARTS.map((c) => (
              <MetricChart key={c.key} metrics={res.data!} chart={c} />
            ))}
          </div>
        </>
      )}
    </section>
  );
}
