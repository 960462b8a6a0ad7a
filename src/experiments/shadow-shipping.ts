// Shadows on standalone replicas: the replica mirrors locally (as the embedded gateway does) and
// ships each comparison to the registry, which adds it to the same live statistics the report
// reads — so a shadow's report covers every replica's traffic. Shipping is batched, off the
// response path, and bounded: when the registry is down the oldest results are dropped and counted.
import type { Logger } from '../log.js';
import type { ShadowSink } from './shadow-mirror.js';

export const SHADOW_RESULTS_PATH = '/api/v1/gateways/shadow-results';

export interface ShadowResult {
  latency_ms: number;
  /** Absent when the candidate failed. */
  served?: Array<number | string>;
  shadow?: Array<number | string>;
}

export interface ShadowResultsBatch {
  shadow_id: string;
  task: 'classification' | 'regression';
  dropped: number;
  results: ShadowResult[];
}

const MAX_BUFFERED = 10_000;

/** Collects one shadow's results on a replica; `take()` hands over what accumulated. */
export class ShippedShadowSink implements ShadowSink {
  dropped = 0;
  private results: ShadowResult[] = [];

  constructor(
    readonly shadowId: string,
    readonly task: 'classification' | 'regression',
  ) {}

  record(latencyMs: number, served: Array<number | string>, shadow: Array<number | string>): void {
    this.push({ latency_ms: latencyMs, served, shadow });
  }

  recordError(latencyMs: number): void {
    this.push({ latency_ms: latencyMs });
  }

  private push(r: ShadowResult): void {
    this.results.push(r);
    if (this.results.length > MAX_BUFFERED) {
      this.results.shift();
      this.dropped++;
    }
  }

  take(): ShadowResultsBatch | null {
    if (this.results.length === 0 && this.dropped === 0) return null;
    const batch = { shadow_id: this.shadowId, task: this.task, dropped: this.dropped, results: this.results };
    this.results = [];
    this.dropped = 0;
    return batch;
  }

  /** A batch the registry did not take goes back, still bounded. */
  giveBack(batch: ShadowResultsBatch): void {
    this.results = [...batch.results, ...this.results].slice(-MAX_BUFFERED);
    this.dropped += batch.dropped;
  }
}

/** Ships every sink's batches on a timer through `post` (the replica's registry client). */
export class ShadowShipper {
  readonly sinks = new Map<string, ShippedShadowSink>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly post: (path: string, body: unknown) => Promise<unknown>,
    private readonly log: Logger,
    private readonly flushMs = 1000,
  ) {}

  sinkFor(shadowId: string, task: 'classification' | 'regression'): ShippedShadowSink {
    let sink = this.sinks.get(shadowId);
    if (!sink) this.sinks.set(shadowId, (sink = new ShippedShadowSink(shadowId, task)));
    return sink;
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  async flush(): Promise<void> {
    for (const sink of this.sinks.values()) {
      const batch = sink.take();
      if (!batch) continue;
      try {
        await this.post(SHADOW_RESULTS_PATH, batch);
      } catch (err) {
        sink.giveBack(batch);
        this.log.warn({ err: (err as Error).message }, 'could not ship shadow results to the registry; will retry');
      }
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush().catch(() => {});
  }
}
