// The grace period of garbage collection, as people write it: 24h, 30m, 90s, 7d, 500ms.
import { invalid } from '../../errors.js';

export const DEFAULT_GRACE = '24h';
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** A year: anything longer is surely a typo, and would make gc a no-op. */
const MAX_GRACE_MS = 365 * UNITS.d;

/** Milliseconds; a clear 400 for anything else than a non-negative number with a unit. */
export function parseGrace(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(text);
  if (!m) throw invalid(`grace "${text}" is not a duration: write a number and a unit (ms, s, m, h, d), e.g. 24h, 30m, 7d`);
  const ms = Math.round(Number(m[1]) * UNITS[m[2]]);
  if (ms > MAX_GRACE_MS) throw invalid(`grace "${text}" is longer than a year`);
  return ms;
}
