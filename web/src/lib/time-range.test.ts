// @vitest-environment jsdom
// The health charts' range: auto zooms to the activity (a demo's minute fills the chart), fixed
// ranges end now, and the reads stay within the server's 1,000 points per series.
import { describe, expect, it } from 'vitest';
import type { Metrics } from '../types';
import { activeSpan, chartDomain, fetchPlan, rangeTitle, refinePlan, wantsWiderRange } from './time-range';

const NOW = Date.parse('2026-12-05T12:00:00Z');
const MIN = 60_000;

/** A metrics answer with traffic at the given minutes before NOW (the rest of the window quiet). */
function metrics(window: number, step: number, activeMinutesAgo: number[], rollbackMinutesAgo: number[] = []): Metrics {
  const series = [];
  for (let t = NOW - window * 1000; t <= NOW; t += step * 1000) {
    const active = activeMinutesAgo.some((m) => Math.abs(NOW - m * MIN - t) < (step * 1000) / 2);
    series.push({ t: new Date(t).toISOString(), requests: active ? 10 : 0, error_rate: null, latency_p99_ms: active ? 4 : null, accuracy: null, recall: null, drift_share: null });
  }
  return {
    window_seconds: window,
    step_seconds: step,
    versions: [{ version: 1, series }],
    thresholds: [],
    rollbacks: rollbackMinutesAgo.map((m) => ({ time: new Date(NOW - m * MIN).toISOString(), from_version: 2, to_version: 1, actor: 'guard', automatic: true })),
  } as unknown as Metrics;
}

describe('time range', () => {
  it('reads about 90 points per range, never more than the server allows', () => {
    expect(fetchPlan('15m')).toEqual({ window_seconds: 900, step_seconds: 10 });
    expect(fetchPlan('1h')).toEqual({ window_seconds: 3600, step_seconds: 40 });
    expect(fetchPlan('24h')).toEqual({ window_seconds: 86400, step_seconds: 960 });
    for (const r of ['15m', '1h', '24h'] as const) expect(fetchPlan(r).window_seconds / fetchPlan(r).step_seconds).toBeLessThanOrEqual(1000);
  });

  it('fixed ranges end now whatever the data', () => {
    const m = metrics(3600, 40, [30]);
    expect(chartDomain('1h', m, NOW)).toEqual([NOW - 3600_000, NOW]);
  });

  it('auto zooms to a minute of traffic: the activity fills most of the axis', () => {
    const m = metrics(900, 10, [5, 4.5, 4]);
    const [from, to] = chartDomain('auto', m, NOW);
    const [first, last] = activeSpan(m)!;
    expect(from).toBeLessThan(first);
    expect(to).toBeGreaterThan(last);
    // At least a minute wide, far less than the 15-minute window read.
    expect(to - from).toBeGreaterThanOrEqual(MIN);
    expect(to - from).toBeLessThan(4 * MIN);
  });

  it('auto keeps a rollback marker in view and never reaches past now or before the window', () => {
    const m = metrics(900, 10, [14.9], [0.1]);
    const [from, to] = chartDomain('auto', m, NOW);
    expect(from).toBeGreaterThanOrEqual(NOW - 900_000);
    expect(to).toBeLessThanOrEqual(NOW);
    expect(to).toBeGreaterThan(NOW - 0.1 * MIN);
  });

  it('a quiet window has no span; auto then shows the whole window', () => {
    const m = metrics(900, 10, []);
    expect(activeSpan(m)).toBeNull();
    expect(chartDomain('auto', m, NOW)).toEqual([NOW - 900_000, NOW]);
  });

  it('auto reads a short burst again with finer steps, and leaves a long one as read', () => {
    const burst = refinePlan(metrics(900, 10, [1, 0.5]), NOW)!;
    expect(burst.window_seconds).toBeGreaterThanOrEqual(60);
    expect(burst.window_seconds).toBeLessThan(225);
    expect(burst.step_seconds).toBeLessThan(10);
    expect(burst.window_seconds / burst.step_seconds).toBeLessThanOrEqual(1000);
    expect(refinePlan(metrics(900, 10, [14, 1]), NOW)).toBeNull();
    expect(refinePlan(metrics(900, 10, []), NOW)).toBeNull();
  });

  it('auto widens the range when it is quiet or when the activity runs into its start', () => {
    expect(wantsWiderRange(metrics(900, 10, []))).toBe(true);
    expect(wantsWiderRange(metrics(900, 10, [15, 10, 5]))).toBe(true);
    expect(wantsWiderRange(metrics(900, 10, [5, 1]))).toBe(false);
    expect(wantsWiderRange(metrics(3600, 40, [50, 30, 1]))).toBe(false);
  });

  it('names the range in words', () => {
    const clock = (ts: number) => new Date(ts).toISOString().slice(11, 16);
    expect(rangeTitle('1h', null, clock)).toBe('last hour');
    expect(rangeTitle('auto', [NOW - 2 * MIN, NOW], clock)).toBe('last activity, 11:58–12:00');
  });
});
