// A seam serving defines and extensions implement (src/experiments: canary splits, shadow mirrors).
import type { Tensors } from './runtimes/runtime.js';

/**
 * Per-request routing an experiment installs on a slot: a canary split answers some requests with
 * a candidate; a shadow mirrors some to a candidate after the caller's answer is sent. Both run on
 * the request path: cheap, never throwing, never blocking.
 */
export interface TrafficPolicy {
  /** The version that answers this request instead of the binding's, or null for the binding's. */
  route(headers: Record<string, string | string[] | undefined>): number | null;
  /** Called once the caller's answer is sent (a shadow mirrors here, off the response path). */
  afterResponse?(served: { version: number; feeds: Tensors; result: Tensors }): void;
}
