// Per-version request outcomes and latencies the gateway observed, kept in memory for rollout
// analysis: an InferenceObserver (cheap, never throws) plus a query "since T" per version.
// observe() runs on every request: the samples live in typed-array rings (no object per request
// that survives young-generation GCs, no key string built per request).
import type { InferenceObservation, InferenceObserver } from '../serving/gateway/observer.js';
import type { SideStats } from './rollouts.js';

/** The newest samples kept per version. */
const KEEP = 20_000;

/** A bounded ring of samples, grown on demand up to KEEP, then overwriting the oldest. */
class Samples {
  time = new Float64Array(256);
  latency = new Float64Array(256);
  ok = new Uint8Array(256);
  /** Where the next sample goes, and how many are held. */
  next = 0;
  count = 0;

  add(time: number, latency: number, ok: boolean): void {
    if (this.count === this.time.length && this.count < KEEP) this.grow();
    const i = this.next;
    this.time[i] = time;
    this.latency[i] = latency;
    this.ok[i] = ok ? 1 : 0;
    this.next = i + 1 === this.time.length ? 0 : i + 1;
    if (this.count < this.time.length) this.count++;
  }

  /** Only while not yet wrapped (count === capacity < KEEP, next === 0): the order is kept. */
  private grow(): void {
    const size = Math.min(KEEP, this.time.length * 2);
    const time = new Float64Array(size);
    const latency = new Float64Array(size);
    const ok = new Uint8Array(size);
    time.set(this.time);
    latency.set(this.latency);
    ok.set(this.ok);
    this.time = time;
    this.latency = latency;
    this.ok = ok;
    this.next = this.count;
  }
}

export class VersionStats implements InferenceObserver {
  private readonly byModel = new Map<string, Map<number, Samples>>();

  observe(o: InferenceObservation): void {
    let versions = this.byModel.get(o.model);
    if (!versions) this.byModel.set(o.model, (versions = new Map()));
    let samples = versions.get(o.version);
    if (!samples) versions.set(o.version, (samples = new Samples()));
    samples.add(o.time, o.latencyMs, o.outcome === 'ok');
  }

  since(model: string, version: number, fromMs: number): SideStats {
    const s = this.byModel.get(model)?.get(version);
    const lat: number[] = [];
    let errors = 0;
    if (s) {
      for (let i = 0; i < s.count; i++) {
        if (s.time[i] < fromMs) continue;
        lat.push(s.latency[i]);
        if (!s.ok[i]) errors++;
      }
    }
    lat.sort((a, b) => a - b);
    const requests = lat.length;
    return {
      version,
      requests,
      errors,
      error_rate: requests ? errors / requests : null,
      p95_ms: requests ? lat[Math.min(requests - 1, Math.floor(requests * 0.95))] : null,
    };
  }
}
