// The health charts' time range. A fixed range (15 min, 1 h, 24 h) ends now. "Auto" follows the
// data: it reads the narrowest range that holds any traffic and zooms the axis to that activity, so
// a demo's one minute of traffic fills the chart instead of a sliver at the right edge of an hour.
import type { Metrics } from '../types';

export type RangeChoice = 'auto' | '15m' | '1h' | '24h';
export type FixedRange = Exclude<RangeChoice, 'auto'>;

export const RANGE_CHOICES: { value: RangeChoice; label: string }[] = [
  { value: 'auto', label: 'Last activity' },
  { value: '15m', label: '15 min' },
  { value: '1h', label: '1 h' },
  { value: '24h', label: '24 h' },
];

const RANGE_SECONDS: Record<FixedRange, number> = { '15m': 900, '1h': 3600, '24h': 86400 };
/** About this many points per series: fine enough to see a minute of traffic in 15 min, well under the server's 1,000. */
const POINTS = 90;
/** Auto tries these in order and keeps the first with traffic (at most three small reads). */
export const AUTO_ORDER: FixedRange[] = ['15m', '1h', '24h'];
/** Auto never zooms closer than this: a single point still gets some room around it. */
const MIN_AUTO_SPAN_MS = 60_000;

export function fetchPlan(range: FixedRange): { window_seconds: number; step_seconds: number } {
  const window = RANGE_SECONDS[range];
  return { window_seconds: window, step_seconds: Math.max(1, Math.round(window / POINTS)) };
}

/**
 * Auto's second read: when the activity fills under a quarter of the range read, read again from
 * just before it to now, with steps as fine as the points allow (a demo's 20 s get ~1 s steps).
 * Null when the first read is already fine enough.
 */
export function refinePlan(metrics: Metrics, now: number): { window_seconds: number; step_seconds: number } | null {
  const span = activeSpan(metrics);
  if (!span) return null;
  const window = Math.ceil((now - span[0]) / 1000 + metrics.step_seconds);
  if (window * 4 > metrics.window_seconds) return null;
  const step = Math.max(1, Math.ceil(window / POINTS));
  return step < metrics.step_seconds ? { window_seconds: Math.max(window, step), step_seconds: step } : null;
}

/**
 * Whether auto should read the next wider range: nothing happened in this one, or the activity
 * runs into its start (what shows would cut the latest burst of traffic in two).
 */
export function wantsWiderRange(metrics: Metrics): boolean {
  const span = activeSpan(metrics);
  if (!span) return true;
  const starts = metrics.versions.flatMap((v) => v.series.slice(0, 1).map((p) => Date.parse(p.t)));
  if (starts.length === 0) return true;
  return span[0] - Math.min(...starts) < 2 * metrics.step_seconds * 1000;
}

/** First and last step with requests or any measured value (or a rollback), over all versions; null when the window is quiet. */
export function activeSpan(metrics: Metrics): [number, number] | null {
  let first = Infinity;
  let last = -Infinity;
  for (const v of metrics.versions) {
    for (const p of v.series) {
      const active = p.requests > 0 || p.recall !== null || p.accuracy !== null || p.latency_p99_ms !== null;
      if (!active) continue;
      const t = Date.parse(p.t);
      first = Math.min(first, t);
      last = Math.max(last, t);
    }
  }
  // A rollback is activity too: auto keeps its marker in view.
  for (const r of metrics.rollbacks) {
    first = Math.min(first, Date.parse(r.time));
    last = Math.max(last, Date.parse(r.time));
  }
  return Number.isFinite(first) ? [first, last] : null;
}

/**
 * The x-axis domain [from, to] in ms. Fixed ranges end at `now`. Auto wraps the active span with one
 * step (plus 10%) of margin each side, at least MIN_AUTO_SPAN_MS wide, never beyond the window read.
 */
export function chartDomain(choice: RangeChoice, metrics: Metrics, now: number): [number, number] {
  const windowMs = metrics.window_seconds * 1000;
  if (choice !== 'auto') return [now - windowMs, now];
  const span = activeSpan(metrics);
  if (!span) return [now - windowMs, now];
  const stepMs = metrics.step_seconds * 1000;
  const pad = stepMs + (span[1] - span[0]) * 0.1;
  let from = span[0] - pad;
  // A step's point stands for the whole step that follows it.
  let to = span[1] + stepMs + pad;
  const missing = MIN_AUTO_SPAN_MS - (to - from);
  if (missing > 0) {
    from -= missing / 2;
    to += missing / 2;
  }
  return [Math.max(from, now - windowMs), Math.min(to, now)];
}

/** Words for the heading: "Health, last hour" or "Health, last activity (14:02–14:05)". */
export function rangeTitle(choice: RangeChoice, domain: [number, number] | null, clock: (ts: number) => string): string {
  if (choice === '15m') return 'last 15 minutes';
  if (choice === '1h') return 'last hour';
  if (choice === '24h') return 'last 24 hours';
  return domain ? `last activity, ${clock(domain[0])}–${clock(domain[1])}` : 'last activity';
}
