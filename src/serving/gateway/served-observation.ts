// The observation the gateway builds after each inference: the request's tensors by reference, so
// building it on the request path is one small object. `inputs` and `predictions` are worked out
// only when an observer reads them (rollout stats never do; monitoring reads the tensors directly,
// record-batch.ts); the observation shipper turns them into plain data off the request path.
import { columnarInputs, featureLayout, type FeatureLayout, type ObservedValue } from './observed-features.js';
import type { InferenceObservation, InferenceOutcome } from './observer.js';
import { firstOutput, rowPredictions } from './protocols/outputs.js';
import type { Tensor, Tensors, VersionSpec } from './runtimes/runtime.js';

export class ServedObservation implements InferenceObservation {
  private cachedInputs: Record<string, ObservedValue[]> | undefined = undefined;
  private cachedPredictions: Array<number | string> | undefined = undefined;
  private cachedLayout: FeatureLayout | null | undefined = undefined;
  private cachedOutput: Tensor | null | undefined = undefined;

  constructor(
    readonly model: string,
    readonly version: number,
    readonly binding: string,
    readonly requestId: string,
    readonly time: number,
    readonly latencyMs: number,
    readonly outcome: InferenceOutcome,
    /** The parsed request's tensors and the dataframe columns it named (null when it did not parse). */
    readonly feeds: Tensors | null,
    readonly columns: string[] | null,
    /** The version's feature-names tag; the object also keys the version's cached feature layout. */
    readonly spec: Pick<VersionSpec, 'featureNames'>,
    /** The model's outputs (null when it did not run). */
    readonly result: Tensors | null,
    /** The gateway that served it (its replica id). */
    readonly source?: string,
  ) {}

  get inputs(): Record<string, ObservedValue[]> | undefined {
    if (this.cachedInputs === undefined && this.feeds) this.cachedInputs = columnarInputs(this.feeds, this.columns, this.spec.featureNames);
    return this.cachedInputs;
  }

  get predictions(): Array<number | string> | undefined {
    if (this.cachedPredictions === undefined && this.result) this.cachedPredictions = rowPredictions(this.result);
    return this.cachedPredictions;
  }

  /** Where each feature's values are in `feeds`; null when the request did not parse. */
  get features(): FeatureLayout | null {
    if (this.cachedLayout === undefined) this.cachedLayout = this.feeds ? featureLayout(this.spec, this.feeds, this.columns) : null;
    return this.cachedLayout;
  }

  /** The output predictions come from: the first. */
  get output(): Tensor | undefined {
    if (this.cachedOutput === undefined) this.cachedOutput = (this.result && firstOutput(this.result)) || null;
    return this.cachedOutput ?? undefined;
  }

  /** How many predictions `predictions` holds, without building it. */
  get predictionCount(): number {
    const t = this.output;
    return t ? t.dims[0] ?? 0 : 0;
  }
}

/** The observation as plain data, the way observers outside this process receive it (JSON). */
export function plainObservation(o: InferenceObservation): InferenceObservation {
  return {
    model: o.model,
    version: o.version,
    binding: o.binding,
    requestId: o.requestId,
    time: o.time,
    latencyMs: o.latencyMs,
    outcome: o.outcome,
    inputs: o.inputs,
    predictions: o.predictions,
  };
}
