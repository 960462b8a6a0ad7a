// The gateway side of a canary: a TrafficPolicy that sends a share of a model's requests to the
// candidate, sticky per request key, and the follower that installs and removes it from the
// rollout's events — so every gateway following the registry obeys the same split.
import type { FollowedGateway } from '../serving/gateway/follower.js';
import type { TrafficPolicy } from '../serving/gateway/traffic-policy.js';
import type { RegistryEvent } from '../registry/index.js';
import { bucketOf } from './rollouts.js';

export class CanarySplit implements TrafficPolicy {
  constructor(
    readonly candidate: number,
    readonly weight: number,
    readonly keyHeader: string | null,
    private readonly random: () => number = Math.random,
  ) {}

  route(headers: Record<string, string | string[] | undefined>): number | null {
    if (this.weight >= 100) return this.candidate;
    const raw = this.keyHeader ? headers[this.keyHeader] : undefined;
    const key = Array.isArray(raw) ? raw[0] : raw;
    // A key keeps its bucket as the weight grows, so a user once on the candidate stays there.
    const bucket = key ? bucketOf(key) : Math.floor(this.random() * 100) + 1;
    return bucket <= this.weight ? this.candidate : null;
  }
}

/** Events that change a model's split, and the split they leave (null: all traffic on the binding). */
export function splitFromEvent(e: RegistryEvent): CanarySplit | null | undefined {
  const d = e.details as { candidate?: number; weight?: number; key_header?: string | null };
  switch (e.type) {
    case 'rollout.started':
    case 'rollout.step':
    case 'rollout.resumed':
      return new CanarySplit(Number(d.candidate), Number(d.weight), d.key_header ?? null);
    case 'rollout.aborted':
    case 'rollout.completed':
    case 'rollout.ended':
      return null;
    default:
      return undefined;
  }
}

/** A gateway follower: applies rollout events to the model's slot and warms the candidate. */
export function canaryFollower(gateway: FollowedGateway, e: RegistryEvent): void {
  if (!e.model || !e.type.startsWith('rollout.')) return;
  const split = splitFromEvent(e);
  if (split === undefined) return;
  const slot = gateway.slots.get(e.model);
  if (!slot) return;
  if (split === null) {
    // Only a canary's own policy is removed; a shadow on the same model is left alone.
    if (slot.traffic instanceof CanarySplit) slot.traffic = null;
    return;
  }
  slot.traffic = split;
  // Requests keep going to the baseline until the candidate is warm (see pick in inference.ts).
  gateway.ensureLoaded(slot, split.candidate).catch(() => {});
}
