// Per-version request outcomes and latencies the gateway observed, kept in memory for rollout
// analysis: an InferenceObserver (cheap, never throws) plus a query "since T" per version.
import type { InferenceObservation, InferenceObserver } from '../../gateway/observer.js';
import type { SideStats } from './rollouts.js';

const KEEP = 20_000;

interface Sample {
  time: number;
  latency: number;
  ok: boolean;
}

export class VersionStats implements InferenceObserver {
  private readonly byVersion = new Map<string, Sample[]>();

  observe(o: InferenceObservation): void {
    const key = `${o.model}\0${o.version}`;
    let list = this.byVersion.get(key);
    if (!list) this.byVersion.set(key, (list = []));
    list.push({ time: o.time, latency: o.latencyMs, ok: o.outcome === 'ok' });
    // Bounded: the oldest half goes when full, so memory stays flat under any traffic.
    if (list.length > KEEP) list.splice(0, KEEP / 2);
  }

  since(model: string, version: number, fromMs: number): SideStats {
    const list = (this.byVersion.get(`${model}\0${version}`) ?? []).filter((s) => s.time >= fromMs);
    const errors = list.filter((s) => !s.ok).length;
    const lat = list.map((s) => s.latency).sort((a, b) => a - b);
    return {
      version,
      requests: list.length,
      errors,
      error_rate: list.length ? errors / list.length : null,
      p95_ms: lat.length ? lat[Math.min(lat.length - 1, Math.floor(lat.length * 0.95))] : null,
    };
  }
}
