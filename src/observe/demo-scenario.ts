// The fraud scenario `stagecraft demo` and bench/monitoring.ts replay: two real ONNX logistic
// regressions over the same four features — v1 catches fraud, v2 (under-weighted) lets almost all
// of it through — and a seeded transaction stream with ground truth.
import { denseModelOnnx } from '../onnx/onnx-builder.js';

export const FRAUD_FEATURES = ['amount', 'velocity', 'foreign', 'night'];

/** v1: good. v2: weights so small that fraud rarely crosses 0.5 — recall on the fraud class collapses. */
export const FRAUD_V1 = { weights: [1.2, 0.6, 1.0, 0.5], bias: -4.5 };
export const FRAUD_V2 = { weights: [0.3, 0.1, 0.2, 0.1], bias: -3 };

export function fraudModel(v: { weights: number[]; bias: number }, doc: string): Buffer {
  return denseModelOnnx({ weights: v.weights, bias: v.bias, activation: 'sigmoid', doc });
}

export interface Transaction {
  features: number[];
  fraud: 0 | 1;
}

export function transactions(n: number, seed: number, fraudRate = 0.2): Transaction[] {
  let s = seed >>> 0;
  const r = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const out: Transaction[] = [];
  for (let i = 0; i < n; i++) {
    const fraud = r() < fraudRate ? 1 : 0;
    const features = fraud
      ? [1.5 + 3 * r(), 4 + 6 * r(), r() < 0.6 ? 1 : 0, r() < 0.6 ? 1 : 0]
      : [0.2 + 1.0 * r(), 3 * r(), r() < 0.1 ? 1 : 0, r() < 0.2 ? 1 : 0];
    out.push({ features: features.map((x) => Math.round(x * 1000) / 1000), fraud });
  }
  return out;
}

export function referenceCsv(rows: Transaction[]): string {
  return [[...FRAUD_FEATURES, 'label'].join(','), ...rows.map((t) => [...t.features, t.fraud].join(','))].join('\n');
}

export function v2InferBody(t: Transaction) {
  return { inputs: [{ name: 'input', shape: [1, FRAUD_FEATURES.length], datatype: 'FP32', data: t.features }] };
}

export const DEMO_POLICY = {
  interval_seconds: 2,
  watch_minutes: 60,
  cooldown_seconds: 300,
  rules: [
    { metric: 'recall', threshold: 0.5, positive_label: 1, min: 0.8, min_samples: 100, window_seconds: 600, failure_limit: 1, action: 'rollback' },
    { metric: 'error_rate', max: 0.05, min_samples: 50, window_seconds: 600 },
  ],
};
