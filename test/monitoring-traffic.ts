// Synthetic traffic for monitoring and guard tests: observations reported straight through the
// gateway's observer seam, with ground truth the tests send later through the feedback API.
import { randomUUID } from 'node:crypto';
import type { InferenceObservation } from '../src/serving/gateway/observer.js';

export interface Labeled {
  obs: InferenceObservation;
  label: number;
}

/** A deterministic pseudo-random stream, so runs repeat exactly. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export interface TrafficSpec {
  model: string;
  version: number;
  n: number;
  start: number;
  /** Milliseconds between requests. */
  spacingMs?: number;
  /** Chance the model catches a real fraud (recall). */
  recall?: number;
  fraudRate?: number;
  /** Share of requests that fail in the model. */
  errorRate?: number;
  latencyMs?: number;
  /** Added to every `amount` (a shifted feature). */
  amountShift?: number;
  seed?: number;
}

export function traffic(spec: TrafficSpec): Labeled[] {
  const rand = rng(spec.seed ?? 7);
  const out: Labeled[] = [];
  for (let i = 0; i < spec.n; i++) {
    const fraud = rand() < (spec.fraudRate ?? 0.3) ? 1 : 0;
    const caught = fraud ? rand() < (spec.recall ?? 0.95) : rand() < 0.05;
    const failed = rand() < (spec.errorRate ?? 0);
    const amount = 50 + rand() * 100 + (spec.amountShift ?? 0);
    const country = ['NL', 'DE', 'FR'][Math.floor(rand() * 3)];
    out.push({
      label: fraud,
      obs: {
        model: spec.model,
        version: spec.version,
        binding: 'stage:Production',
        requestId: randomUUID(),
        time: spec.start + i * (spec.spacingMs ?? 100),
        latencyMs: spec.latencyMs ?? 3 + rand() * 4,
        outcome: failed ? 'model_error' : 'ok',
        inputs: failed ? undefined : { amount: [amount], country: [country] },
        predictions: failed ? undefined : [caught ? 0.6 + rand() * 0.39 : rand() * 0.4],
      },
    });
  }
  return out;
}

export function feedbackItems(xs: Labeled[]) {
  return xs.filter((x) => x.obs.outcome === 'ok').map((x) => ({ request_id: x.obs.requestId, label: x.label }));
}

/** A clock the test moves by hand. */
export function manualClock(start: number) {
  const clock = { t: start, now: () => clock.t };
  return clock;
}
