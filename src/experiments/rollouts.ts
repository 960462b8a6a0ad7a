// Canary rollouts: the pure rules. Steps of traffic share, sticky assignment of a request key to a
// bucket 1..100, and the per-step analysis with Argo Rollouts' three outcomes.
import { invalid } from '../errors.js';

export type RolloutStatus = 'running' | 'paused' | 'aborted' | 'completed';
export type Outcome = 'successful' | 'failed' | 'inconclusive';

export interface Criteria {
  /** Requests each side needs in a step before it can be judged; fewer is inconclusive. */
  min_requests: number;
  /** Largest allowed rise of the candidate's error rate over the baseline's (0.02 = 2 points). */
  max_error_rate_increase: number;
  /** Largest allowed ratio of the candidate's p95 latency to the baseline's (plus latency_slack_ms). */
  max_latency_ratio: number;
  latency_slack_ms: number;
}

export const DEFAULT_CRITERIA: Criteria = { min_requests: 20, max_error_rate_increase: 0.02, max_latency_ratio: 1.5, latency_slack_ms: 5 };

export interface SideStats {
  version: number;
  requests: number;
  errors: number;
  error_rate: number | null;
  p95_ms: number | null;
}

export interface Analysis {
  step: number;
  weight: number;
  outcome: Outcome;
  reasons: string[];
  candidate: SideStats;
  baseline: SideStats;
  /** The model's health-policy rules measured on this step (empty without a policy). */
  policy?: Array<{ metric: string; verdict: string; candidate: number | null; baseline: number | null; samples: number; detail: string }>;
  at: string;
}

export interface RolloutState {
  steps: number[];
  step_index: number;
  step_ms: number;
  step_started_at: number;
  key_header: string | null;
  criteria: Criteria;
  analyses: Analysis[];
  ended_reason: string | null;
}

export function parseSteps(input: number[]): number[] {
  if (input.length === 0) throw invalid('a rollout needs at least one step');
  let last = 0;
  for (const s of input) {
    if (!Number.isInteger(s) || s < 1 || s > 100) throw invalid(`step ${s} is not a whole percentage between 1 and 100`);
    if (s <= last) throw invalid(`steps must grow: ${input.join(',')}`);
    last = s;
  }
  // The cohort only grows and the last step sends everything to the candidate before it is promoted.
  return last === 100 ? input : [...input, 100];
}

/** FNV-1a of the key into 1..100: the same key always lands in the same bucket. */
export function bucketOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return ((h >>> 0) % 100) + 1;
}

/** Judges one step. Too little data is inconclusive, never a pass. */
export function judge(candidate: SideStats, baseline: SideStats, c: Criteria): { outcome: Outcome; reasons: string[] } {
  if (candidate.requests < c.min_requests || baseline.requests < c.min_requests) {
    return { outcome: 'inconclusive', reasons: [`too little traffic: candidate ${candidate.requests}, baseline ${baseline.requests} requests (need ${c.min_requests} each)`] };
  }
  const reasons: string[] = [];
  const ce = candidate.error_rate ?? 0;
  const be = baseline.error_rate ?? 0;
  if (ce - be > c.max_error_rate_increase) {
    reasons.push(`error rate ${(ce * 100).toFixed(1)}% vs baseline ${(be * 100).toFixed(1)}% (allowed +${(c.max_error_rate_increase * 100).toFixed(1)} points)`);
  }
  const cp = candidate.p95_ms ?? 0;
  const bp = baseline.p95_ms ?? 0;
  if (cp > bp * c.max_latency_ratio + c.latency_slack_ms) {
    reasons.push(`p95 latency ${cp.toFixed(1)} ms vs baseline ${bp.toFixed(1)} ms (allowed x${c.max_latency_ratio} + ${c.latency_slack_ms} ms)`);
  }
  return reasons.length ? { outcome: 'failed', reasons } : { outcome: 'successful', reasons: ['candidate within criteria'] };
}
