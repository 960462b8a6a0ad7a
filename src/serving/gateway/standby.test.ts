import { describe, expect, it } from 'vitest';
import { ModelSlot, type LoadedVersion } from './model-slot.js';
import { releaseIdle } from './standby.js';

const NOW = 1_000_000;

function slotWith(...versions: Array<Partial<LoadedVersion> & { version: number }>): ModelSlot {
  const slot = new ModelSlot('m', { concurrency: 1, queue: 1 });
  for (const v of versions) slot.loaded.set(v.version, { inflight: 0, lastActive: NOW - 60_000, memoryBytes: 10, loadMs: 1, ...v } as LoadedVersion);
  slot.current = slot.loaded.get(versions[0].version)!;
  return slot;
}

describe('releaseIdle', () => {
  it('releases a standby past the window, never the current one', () => {
    const slot = slotWith({ version: 2 }, { version: 1 });
    expect(releaseIdle(new Map([['m', slot]]), { standbyMs: 1000, memoryBudgetBytes: 1e9 }, NOW).map((lv) => lv.version)).toEqual([1]);
    expect([...slot.loaded.keys()]).toEqual([2]);
  });

  it('keeps a version prepared for a move until the move may commit, whatever the window or the budget', () => {
    const slot = slotWith({ version: 2 }, { version: 3, preparedUntil: NOW + 5000 });
    expect(releaseIdle(new Map([['m', slot]]), { standbyMs: 1, memoryBudgetBytes: 0 }, NOW)).toEqual([]);
    expect(releaseIdle(new Map([['m', slot]]), { standbyMs: 1, memoryBudgetBytes: 0 }, NOW + 5001).map((lv) => lv.version)).toEqual([3]);
  });
});
