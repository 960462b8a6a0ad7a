// One health chart: one line per version over the chosen time domain. Labels never sit on the plot:
// policy limits are named in a key under the title (the dashed line alone marks them on the plot),
// and rollback markers carry their label above the plot area, in a margin kept free for it.
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { MetricPoint, Metrics } from '../types';

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

/** A series with this few points gets dots: one minute of traffic (a demo, a quiet model) is a few points, which a bare line barely draws. */
const SPARSE_POINTS = 30;
const PALETTE = ['#2f6fde', '#d9822b', '#2e9e6a', '#9b51e0', '#c23a3a', '#6b7785'];
const LIMIT = '#c23a3a';
const ROLLBACK = '#7a3fc2';

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
export const clock = (ts: number) => new Date(ts).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hour12: false });
/** Seconds on the axis when the range is a few minutes, else every tick would read the same minute. */
const SECONDS_BELOW_MS = 10 * 60_000;
const clockSeconds = (ts: number) => new Date(ts).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

/** Limits of one metric as plain numbers, e.g. [0.8] for a recall floor. */
function limitsOf(metrics: Metrics, key: MetricKey): number[] {
  return metrics.thresholds.filter((t) => t.metric === key).flatMap((t) => [t.min, t.max].filter((y): y is number => y !== null));
}

export function MetricChart({ metrics, chart, domain }: { metrics: Metrics; chart: (typeof CHARTS)[number]; domain: [number, number] }) {
  const rows = chartRows(metrics, chart.key).filter((r) => (r.ts as number) >= domain[0] && (r.ts as number) <= domain[1]);
  const limits = limitsOf(metrics, chart.key);
  const label = `${chart.title}${chart.unit ? ` (${chart.unit})` : ''}`;
  const range = { 'data-domain-from': domain[0], 'data-domain-to': domain[1] };
  if (!hasData(rows)) {
    return (
      <figure className="chart empty" aria-label={label} {...range}>
        <figcaption>{label}</figcaption>
        <p className="muted small">No data in this range.</p>
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
  const rollbacks = metrics.rollbacks.filter((r) => Date.parse(r.time) >= domain[0] && Date.parse(r.time) <= domain[1]);
  return (
    <figure className="chart" aria-label={label} {...range}>
      <figcaption>
        <span>{label}</span>
        <span className="sr-only">: latest {latest}</span>
        {limits.map((y) => (
          <span key={y} className="limit-key">
            <svg width="16" height="6" aria-hidden="true">
              <line x1="0" y1="3" x2="16" y2="3" stroke={LIMIT} strokeWidth="1.5" strokeDasharray="4 3" />
            </svg>
            limit {y}
          </span>
        ))}
      </figcaption>
      <ResponsiveContainer width="100%" height={150}>
        <LineChart data={rows} margin={{ top: rollbacks.length ? 16 : 6, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="#eef0f3" vertical={false} />
          <XAxis dataKey="ts" type="number" scale="time" domain={domain} allowDataOverflow tickFormatter={domain[1] - domain[0] < SECONDS_BELOW_MS ? clockSeconds : clock} tickCount={4} fontSize={11} stroke="#8a94a3" />
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
          {limits.map((y) => (
            <ReferenceLine key={`limit-${y}`} y={y} stroke={LIMIT} strokeDasharray="4 3" />
          ))}
          {rollbacks.map((r) => (
            <ReferenceLine key={r.time} x={Date.parse(r.time)} stroke={ROLLBACK} label={{ value: `↩ v${r.to_version}`, fontSize: 10, fill: ROLLBACK, position: 'top' }} />
          ))}
          {metrics.versions.length > 1 && <Legend iconSize={8} wrapperStyle={{ fontSize: 11 }} />}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}
