// A standalone replica has no database: it ships what it served to the registry in batches, so
// monitoring, feedback joins and the guard see every replica's traffic, not only the embedded
// gateway's. observe() only appends to a bounded buffer; a timer posts it. When the registry is
// down the buffer keeps the newest rows up to its bound and counts what it dropped — serving never
// waits on monitoring. The buffer holds the gateway's observations as they came (tensors by
// reference); their inputs and predictions are worked out when a batch is posted, not per request.
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

export class ObservationShipper implements InferenceObserver {
  private buffer: InferenceObservation[] = [];
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<void> | null = null;
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
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.opts.batchSize);
      try {
        await this.client.gateways.observations({ replica_id: this.replicaId, observations: batch.map(plainObservation) });
        this.shipped += batch.length;
      } catch (err) {
        this.buffer.unshift(...batch);
        this.observe(this.buffer.pop()!); // re-apply the bound
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
