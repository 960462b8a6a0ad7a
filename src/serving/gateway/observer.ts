// The seam between serving and monitoring. The gateway reports every inference here; monitoring
// (per-version stats, Prometheus metrics, prediction retention for feedback and drift) implements it.
// observe() runs on the request path: it must be cheap and must never throw or block.
// The gateway's own observations are ServedObservation (served-observation.ts): `inputs` and
// `predictions` are getters, worked out from the request's tensors on first read, so an observer
// that reads neither costs nothing for them. Treat an observation as read-only; one that leaves
// the process goes as plainObservation(o).

/**
 * Every outcome, in a fixed order: monitoring indexes its per-outcome tallies and codes by it (codes
 * are stored: append only). The two sheds are answers the model never ran for — its queue was full
 * ('shed') or the request waited in it past the queue timeout ('queue_timeout') — so they are
 * neither served requests nor model errors; they are overload (shed_rate).
 */
export const INFERENCE_OUTCOMES = ['ok', 'client_error', 'model_error', 'rejected', 'shed', 'queue_timeout'] as const;
export type InferenceOutcome = (typeof INFERENCE_OUTCOMES)[number];

/** The stored codes of the two shed outcomes (INFERENCE_OUTCOMES indexes): a code at or past SHED_CODE is a shed. */
export const SHED_CODE = INFERENCE_OUTCOMES.indexOf('shed');
export const isShedCode = (code: number): boolean => code >= SHED_CODE;

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
  /**
   * The gateway replica that served it: the embedded gateway's id, or — for what a standalone
   * replica shipped — the id of the replica that sent the batch, set by the registry (never taken
   * from the observation itself). Monitoring keeps it, so the guard can say whose data it judged.
   */
  source?: string;
}

export interface InferenceObserver {
  observe(o: InferenceObservation): void;
  /** A runtime worker of this version was replaced (a Python worker died or outgrew its memory limit). */
  workerRestarted?(model: string, version: number): void;
}
