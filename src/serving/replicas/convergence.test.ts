// Convergence is honest: a replica counts only when it reported serving the target after the move.
// Heartbeats are posted as a replica posts them; the clock is moved by hand.
import { describe, expect, it } from 'vitest';
import { DATABASES, uniqueName, useRegistry } from '../../../test/databases.js';
import { eventually } from '../../../test/gateway-fixtures.js';
import { call, createModel, promote, registerVersion } from '../../../test/http.js';
import { manualClock } from '../../../test/monitoring-traffic.js';
import { serverExtensions } from '../../server.js';
import { STALE_AFTER_MS } from './convergence.js';

describe.each(DATABASES)('convergence on %s', (kind) => {
  const clock = manualClock(Date.now());
  const r = useRegistry(kind, { overrides: { clock }, config: { prepareDeadlineMs: 1000 }, extensions: serverExtensions({ serving: { embedded: false } }).pick('serving') });

  const lastEventId = async () => (await call(r.app, 'GET', '/api/v1/events?limit=1')).body.events[0].id as number;
  const status = async (m: string) => (await call(r.app, 'GET', `/api/v1/models/${m}/status`)).body;
  const beat = (replica: string, m: string, version: number | null, extra: Record<string, unknown> = {}) =>
    call(r.app, 'POST', '/api/v1/gateways/heartbeat', {
      replica_id: replica,
      url: null,
      models: [{ model: m, binding: 'stage:Production', version, state: 'serving' }],
      ...extra,
    });

  /** A promotion while `replica` is live: it answers the prepare as a gateway would (ready), then the move commits. */
  async function promoteAnswering(m: string, v: number, replica: string) {
    const moving = promote(r.app, m, v);
    const asked = await eventually(
      async () => (await call(r.app, 'GET', `/api/v1/events?model=${m}&type=move.prepare`)).body.events,
      (e: Array<{ to: string; details: { prepare_id: string } }>) => e.some((x) => x.to === String(v)),
      'the prepare request',
    );
    const prepareId = asked.find((x: { to: string }) => x.to === String(v))!.details.prepare_id;
    expect((await call(r.app, 'POST', '/api/v1/gateways/prepared', { prepare_id: prepareId, replica_id: replica, ready: true, ms: 1 })).status).toBe(204);
    return moving;
  }

  async function modelWithTwo() {
    const m = uniqueName('conv');
    await createModel(r.app, m);
    for (const i of [1, 2]) await registerVersion(r.app, m, { 'model.bin': `w ${m} ${i}` });
    await promote(r.app, m, 1);
    return m;
  }

  it('counts a replica only after it reported the target with a feed position past the move', async () => {
    const m = await modelWithTwo();
    expect((await beat('r1', m, 1, { feed_position: await lastEventId() })).status).toBe(200);
    expect(await status(m)).toMatchObject({ target_version: 1, converged: true, replicas: [{ replica_id: 'r1', acknowledged: true, state: 'serving' }] });

    const seenBefore = await lastEventId();
    expect((await promoteAnswering(m, 2, 'r1')).status).toBe(200);
    // It has not read the move: whatever it serves, it is unknown.
    await beat('r1', m, 1, { feed_position: seenBefore });
    const behind = await status(m);
    expect(behind.converged).toBe(false);
    expect(behind.move_event_id).toBeGreaterThan(seenBefore);
    expect(behind.replicas[0]).toMatchObject({ state: 'unknown', unknown_reason: 'behind_feed', version: 1, acknowledged: false });
    expect(behind.replicas[0].why).toContain('last seen serving v1');

    await beat('r1', m, 2, { feed_position: await lastEventId() });
    expect((await status(m)).converged).toBe(true);
  });

  it('a replica that stopped reporting is unknown, with the version it was last seen serving — never converged', async () => {
    const m = await modelWithTwo();
    await beat('quiet', m, 1, { feed_position: await lastEventId() });
    await beat('chatty', m, 1, { feed_position: await lastEventId() });
    expect((await status(m)).converged).toBe(true);
    clock.t += STALE_AFTER_MS + 1000;
    await beat('chatty', m, 1, { feed_position: await lastEventId() });
    const s = await status(m);
    expect(s.converged).toBe(false);
    const quiet = s.replicas.find((x: { replica_id: string }) => x.replica_id === 'quiet');
    expect(quiet).toMatchObject({ state: 'unknown', unknown_reason: 'missed_heartbeats', version: 1, acknowledged: false });
    expect(quiet.why).toMatch(/no heartbeat for 11 s \(last seen serving v1\)/);
  });

  it('a replica that reports no feed position is unknown', async () => {
    const m = await modelWithTwo();
    await beat('old', m, 1);
    expect((await status(m)).replicas[0]).toMatchObject({ state: 'unknown', unknown_reason: 'no_feed_position' });
    expect((await status(m)).converged).toBe(false);
  });

  it('a replica that says goodbye, or that an operator forgets, stops holding convergence back', async () => {
    const m = await modelWithTwo();
    await beat('stays', m, 1, { feed_position: await lastEventId() });
    await beat('goes', m, 1, { feed_position: 0 });
    await beat('crashed', m, 1, { feed_position: 0 });
    expect((await status(m)).converged).toBe(false);
    expect((await call(r.app, 'POST', '/api/v1/gateways/heartbeat', { replica_id: 'goes', models: [], leaving: true })).status).toBe(200);
    expect((await call(r.app, 'DELETE', '/api/v1/gateways/replicas/crashed')).status).toBe(204);
    expect((await call(r.app, 'DELETE', '/api/v1/gateways/replicas/crashed')).status).toBe(404);
    const s = await status(m);
    expect(s.replicas.map((x: { replica_id: string }) => x.replica_id)).toEqual(['stays']);
    expect(s.converged).toBe(true);
  });

  it('shows the token rejection a replica reported at its next contact, and keeps it', async () => {
    const m = await modelWithTwo();
    const rejection = { status: 401, message: 'the registry answered 401 to POST /api/v1/gateways/heartbeat', first_at: new Date(clock.t - 5000).toISOString(), last_at: new Date(clock.t).toISOString(), count: 3 };
    await beat('r', m, 1, { feed_position: await lastEventId(), rejection });
    await beat('r', m, 1, { feed_position: await lastEventId() });
    expect((await status(m)).replicas[0].last_rejection).toEqual(rejection);
  });
});
