import { describe, expect, it } from 'vitest';
import type { HistoryEntry, Version } from '../types';
import { planRollback } from './last-good';

const entry = (version: number | null, id: number): HistoryEntry => ({
  version,
  from: new Date(id * 1000).toISOString(),
  until: null,
  actor: 'alice',
  reason: null,
  event_id: id,
  cause: 'transition',
  automatic: false,
});

const ver = (version: number, health = 'unknown', extra: Partial<Version> = {}) =>
  ({ version, health, health_reason: null, status: 'READY', deleted: false, ...extra }) as Version;

const versions = (...vs: Version[]) => new Map(vs.map((v) => [v.version, v]));

describe('planRollback (the dialog’s preview of the server’s choice)', () => {
  it('goes to the most recent previous holder when none is marked stable', () => {
    const plan = planRollback(3, [entry(3, 3), entry(2, 2), entry(1, 1)], versions(ver(1), ver(2), ver(3)));
    expect(plan.to).toBe(2);
  });

  it('prefers a version marked stable over a more recent one of unknown health', () => {
    const plan = planRollback(4, [entry(4, 4), entry(3, 3), entry(2, 2), entry(1, 1)], versions(ver(1, 'stable'), ver(2), ver(3), ver(4)));
    expect(plan.to).toBe(1);
  });

  it('skips failed, unready and deleted versions and says why', () => {
    const plan = planRollback(
      4,
      [entry(4, 4), entry(3, 3), entry(2, 2), entry(1, 1)],
      versions(ver(3, 'failed', { health_reason: 'bad calibration' }), ver(2, 'unknown', { status: 'PENDING_REGISTRATION' }), ver(1)),
    );
    expect(plan.to).toBe(1);
    expect(plan.considered).toEqual([
      { version: 3, skipped: 'marked failed: bad calibration' },
      { version: 2, skipped: 'status PENDING_REGISTRATION' },
      { version: 1, skipped: null },
    ]);
    expect(planRollback(2, [entry(2, 2), entry(1, 1)], versions()).considered).toEqual([{ version: 1, skipped: 'deleted' }]);
  });

  it('has no target when no earlier version ever held Production', () => {
    expect(planRollback(1, [entry(1, 1), entry(null, 0)], versions(ver(1))).to).toBeNull();
  });
});
