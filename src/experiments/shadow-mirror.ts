// The gateway side of a shadow: after the caller's answer is sent, a share of requests is run
// again on the candidate and the two predictions compared. The caller's answer never depends on it,
// and at most MAX_INFLIGHT mirrors run at once per model (the rest are counted as dropped), which
// bounds what shadowing can take from serving.
import type { FollowedGateway, GatewayFollower } from '../serving/gateway/follower.js';
import type { ModelSlot } from '../serving/gateway/model-slot.js';
import type { TrafficPolicy } from '../serving/gateway/traffic-policy.js';
import { rowPredictions } from '../serving/gateway/protocols/outputs.js';
import type { Tensors } from '../serving/gateway/runtimes/runtime.js';
import type { RegistryEvent } from '../registry/index.js';
import { ShadowStats } from './shadow-stats.js';

const MAX_INFLIGHT = 4;

/** Where a mirror's comparisons go: live statistics in this process, or a replica's shipping buffer. */
export interface ShadowSink {
  dropped: number;
  record(latencyMs: number, served: Array<number | string>, shadow: Array<number | string>): void;
  recordError(latencyMs: number): void;
}

export class ShadowMirror implements TrafficPolicy {
  private inflight = 0;

  constructor(
    readonly shadowId: string,
    readonly candidate: number,
    readonly percent: number,
    readonly stats: ShadowSink,
    private readonly slot: ModelSlot,
    private readonly random: () => number = Math.random,
  ) {}

  route(): number | null {
    return null;
  }

  afterResponse(served: { version: number; feeds: Tensors; result: Tensors }): void {
    if (served.version === this.candidate || this.random() * 100 >= this.percent) return;
    const lv = this.slot.loaded.get(this.candidate);
    if (!lv || this.inflight >= MAX_INFLIGHT) {
      this.stats.dropped++;
      return;
    }
    this.inflight++;
    lv.inflight++;
    // setImmediate: the caller's reply is flushed before the candidate starts.
    setImmediate(() => {
      const t0 = performance.now();
      lv.runtime.run(served.feeds).then(
        (out) => this.stats.record(performance.now() - t0, rowPredictions(served.result) ?? [], rowPredictions(out) ?? []),
        () => this.stats.recordError(performance.now() - t0),
      ).finally(() => {
        this.inflight--;
        lv.inflight--;
      });
    });
  }
}

/** Live statistics of the shadows this process's gateway runs, by shadow id. */
export type ShadowRegistry = Map<string, ShadowStats>;

/** A gateway follower: installs and removes shadow mirrors from shadow events. */
export function shadowFollower(stats: ShadowRegistry) {
  return mirrorFollower((id, task) => {
    const s = stats.get(id) ?? new ShadowStats(task);
    stats.set(id, s);
    return s;
  });
}

/** The follower shape shared by the embedded gateway and replicas; `sinkFor` says where results go. */
export function mirrorFollower(sinkFor: (shadowId: string, task: 'classification' | 'regression') => ShadowSink): GatewayFollower {
  return (gateway: FollowedGateway, e: RegistryEvent): void => {
    if (!e.model || !e.type.startsWith('shadow.')) return;
    const slot = gateway.slots.get(e.model);
    if (!slot) return;
    const d = e.details as { shadow_id?: string; candidate?: number; percent?: number; task?: 'classification' | 'regression' };
    if (e.type === 'shadow.started' && d.shadow_id) {
      slot.traffic = new ShadowMirror(d.shadow_id, Number(d.candidate), Number(d.percent), sinkFor(d.shadow_id, d.task ?? 'classification'), slot);
      gateway.ensureLoaded(slot, Number(d.candidate)).catch(() => {});
    } else if (e.type === 'shadow.stopped' && slot.traffic instanceof ShadowMirror && slot.traffic.shadowId === d.shadow_id) {
      slot.traffic = null;
    }
  };
}
