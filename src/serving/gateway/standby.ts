// Which loaded versions to release: never the current one, never one with requests in flight, never
// one prepared for a move that may still commit; standbys idle past the window first, then the
// least recently active while over the memory budget.
import type { GatewayOptions } from './gateway-options.js';
import type { LoadedVersion, ModelSlot } from './model-slot.js';

export function releaseIdle(slots: Map<string, ModelSlot>, options: Pick<GatewayOptions, 'standbyMs' | 'memoryBudgetBytes'>, now: number): LoadedVersion[] {
  const released: LoadedVersion[] = [];
  const idle: Array<{ slot: ModelSlot; lv: LoadedVersion }> = [];
  let total = 0;
  for (const slot of slots.values()) {
    for (const lv of slot.loaded.values()) {
      total += lv.memoryBytes;
      if (lv !== slot.current && lv.inflight === 0 && !((lv.preparedUntil ?? 0) > now)) idle.push({ slot, lv });
    }
  }
  idle.sort((a, b) => a.lv.lastActive - b.lv.lastActive);
  for (const { slot, lv } of idle) {
    const expired = now - lv.lastActive > options.standbyMs;
    if (!expired && total <= options.memoryBudgetBytes) continue;
    // Removed from the map first: no new request can pick it up; inflight is 0 so none holds it.
    slot.loaded.delete(lv.version);
    total -= lv.memoryBytes;
    released.push(lv);
  }
  return released;
}
