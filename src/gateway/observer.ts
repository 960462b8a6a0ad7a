// The seam between serving and monitoring. The gateway reports every inference here; monitoring
// (per-version stats, Prometheus metrics, prediction retention for feedback and drift) implements it.
// observe() runs on the request path: it must be cheap and must never throw or block.

export type InferenceOutcome = 'ok' | 'client_error' | 'model_error' | 'rejected';

export interface InferenceObservation {
  model: string;
  version: number;
  /** The binding that routed the request: 'stage:Production', 'alias:champion', 'version:3', … */
  binding: string;
  /** The stagecraft-request-id the caller got back; ground truth is attached to it later. */
  requestId: string;
  /** Epoch milliseconds when the request arrived. */
  time: number;
  latencyMs: number;
  outcome: InferenceOutcome;
  /** Input rows, columnar by feature name, when the request parsed. */
  inputs?: Record<string, Array<number | string | null>>;
  /** One prediction per row: a probability/score/regression value, or a class label. */
  predictions?: Array<number | string>;
}

export interface InferenceObserver {
  observe(o: InferenceObservation): void;
}
