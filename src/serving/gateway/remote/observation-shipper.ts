// A standalone replica has no database: it ships what it served to the registry in batches, so
// monitoring, feedback joins and the guard see every replica's traffic, not only the embedded
// gateway's. observe() only appends to a bounded buffer; a timer posts it. When the registry is
// down the buffer keeps the newest rows up to its bound and counts what it dropped — serving never
// waits on monitoring. The buffer holds the gateway's observations as they came (tensors by
// reference); their inputs and predictions are worked out when a batch is posted, not per request.
// Worker restarts (a Python worker died or outgrew its memory limit) ride along as counts per model
// and version, so the registry's live stats and Prometheus count every replica's restarts too.
import type { StagecraftClient } from '../../../../sdk/client.js';
import type { Logger } from '../../../log.js';
import type { InferenceObservation, InferenceObserver } from '../observer.js';
import { plainObservation } from '../served-observation.js';

export interface ShipperOptions {
  flushMs: number;
  batchSize: number;
  maxBuffered: number;
}

export const DEFAULT_SHIPPER: ShipperOptions = { flushMs: 1000, batchSize: 1000, maxBuffered: 50_000 };

/** Bounds of what one batch carries (the registry's route refuses more). */
const MAX_RESTART_KEYS = 1000;
const MAX_RESTART_COUNT = 100_000;

export class ObservationShipper implements InferenceObserver {
  private buffer: InferenceObservation[] = [];
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<void> | null = null;
  /** Restarts not yet shipped, by "model\u0000version". */
  private restarts = new Map<string, { model: string; version: number; count: number }>();
  dropped = 0;
  shipped = 0;

  constructor(
    private readonly client: StagecraftClient,
    private readonly replicaId: string,
    private readonly log: Logger,
    private readonly opts: ShipperOptions = DEFAULT_SHIPPER,
  ) {}

  observe(o: InferenceObservation): void {
    this.buffer.push(o);
    const over = this.buffer.length - this.opts.maxBuffered;
    if (over > 0) {
      this.buffer.splice(0, over);
      this.dropped += over;
    }
  }

  workerRestarted(model: string, version: number): void {
    this.countRestarts(model, version, 1);
  }

  private countRestarts(model: string, version: number, n: number): void {
    const key = `${model}\u0000${version}`;
    const r = this.restarts.get(key);
    if (r) r.count = Math.min(MAX_RESTART_COUNT, r.count + n);
    // Bounded like the buffer: a replica cycling through models cannot grow this without limit.
    else if (this.restarts.size < MAX_RESTART_KEYS) this.restarts.set(key, { model, version, count: Math.min(MAX_RESTART_COUNT, n) });
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.opts.flushMs);
    this.timer.unref();
  }

  /** Posts everything buffered; a failed batch goes back to the front of the buffer for the next try. */
  flush(): Promise<void> {
    if (this.sending) return this.sending;
    this.sending = this.send().finally(() => {
      this.sending = null;
    });
    return this.sending;
  }

  private async send(): Promise<void> {
    while (this.buffer.length > 0 || this.restarts.size > 0) {
      const batch = this.buffer.splice(0, this.opts.batchSize);
      const restarts = [...this.restarts.values()];
      this.restarts = new Map();
      try {
        await this.client.gateways.observations({ replica_id: this.replicaId, observations: batch.map(plainObservation), ...(restarts.length > 0 && { worker_restarts: restarts }) });
        this.shipped += batch.length;
      } catch (err) {
        for (const r of restarts) this.countRestarts(r.model, r.version, r.count); // shipped with the next try
        this.buffer.unshift(...batch);
        if (this.buffer.length) this.observe(this.buffer.pop()!); // re-apply the bound
        this.log.warn({ err: (err as Error).message, buffered: this.buffer.length }, 'could not ship observations to the registry; will retry');
        return;
      }
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush().catch(() => {});
  }
}
