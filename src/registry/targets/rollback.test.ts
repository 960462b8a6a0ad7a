import { describe, expect, it } from 'vitest';
import { DATABASES, uniqueName, useRegistry } from '../../../test/databases.js';
import { burst } from '../../../test/burst.js';
import { call, createModel, promote, registerVersion } from '../../../test/http.js';

/** Resolves as soon as the wall clock reads a later millisecond than `t` (events are stamped with it). */
async function clockPast(t: number): Promise<void> {
  while (Date.now() <= t) await new Promise((res) => setImmediate(res));
}

describe.each(DATABASES)('rollback on %s', (kind) => {
  const r = useRegistry(kind);

  async function modelWithVersions(n: number) {
    const name = uniqueName('fraud');
    await createModel(r.app, name);
    for (let i = 1; i <= n; i++) await registerVersion(r.app, name, { 'model.bin': `weights ${name} ${i}` });
    return name;
  }

  it('goes back to the last known good version, marks the bad one failed and archives it', async () => {
    const name = await modelWithVersions(3);
    for (const v of [1, 2, 3]) expect((await promote(r.app, name, v)).status).toBe(200);
    const res = await call(r.app, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'recall dropped' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name, target: 'stage:Production', from_version: 3, to_version: 2, reason: 'recall dropped' });
    expect(res.body.event_id).toBeGreaterThan(0);
    const v3 = (await call(r.app, 'GET', `/api/v1/models/${name}/versions/3`)).body;
    expect(v3).toMatchObject({ stage: 'Archived', health: 'failed' });
    expect(v3.health_reason).toContain('recall dropped');
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/versions/2`)).body.stage).toBe('Production');
    expect((await call(r.app, 'GET', `/api/v1/models/${name}`)).body.stages.Production).toBe(2);
  });

  it('skips failed versions and prefers a version marked stable over one of unknown health', async () => {
    const name = await modelWithVersions(4);
    for (const v of [1, 2, 3, 4]) await promote(r.app, name, v);
    await call(r.app, 'POST', `/api/v1/models/${name}/versions/1/health`, { health: 'stable', reason: 'watched 7 days' });
    await call(r.app, 'POST', `/api/v1/models/${name}/versions/3/health`, { health: 'failed', reason: 'bad calibration' });
    const res = await call(r.app, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'errors up' });
    expect(res.body).toMatchObject({ from_version: 4, to_version: 1 });
  });

  it('answers 409 naming what it considered when there is no candidate, and changes nothing', async () => {
    const name = await modelWithVersions(2);
    await promote(r.app, name, 1);
    await promote(r.app, name, 2);
    await call(r.app, 'POST', `/api/v1/models/${name}/versions/1/health`, { health: 'failed', reason: 'leaked labels' });
    const before = (await call(r.app, 'GET', `/api/v1/events?model=${name}`)).body.events.length;
    const res = await call(r.app, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'try' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('conflict');
    expect(res.body.error.message).toContain('v1 (marked failed: leaked labels)');
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/versions/2`)).body).toMatchObject({ stage: 'Production', health: 'unknown' });
    expect((await call(r.app, 'GET', `/api/v1/events?model=${name}`)).body.events.length).toBe(before);
  });

  it('answers 409 when nothing holds the target', async () => {
    const name = await modelWithVersions(1);
    const res = await call(r.app, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'x' });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain('no version');
  });

  it('requires a reason', async () => {
    const name = await modelWithVersions(2);
    await promote(r.app, name, 1);
    await promote(r.app, name, 2);
    const res = await call(r.app, 'POST', `/api/v1/models/${name}/rollback`, { reason: '  ' });
    expect(res.status).toBe(400);
  });

  it('rolls back to an explicit version, refusing a failed one unless forced', async () => {
    const name = await modelWithVersions(3);
    for (const v of [1, 2, 3]) await promote(r.app, name, v);
    await call(r.app, 'POST', `/api/v1/models/${name}/versions/1/health`, { health: 'failed', reason: 'old bug' });
    const refused = await call(r.app, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'x', to_version: 1 });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('force');
    const forced = await call(r.app, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'x', to_version: 1, force: true });
    expect(forced.body).toMatchObject({ from_version: 3, to_version: 1 });
  });

  it('rolls back an alias to the version it pointed at before', async () => {
    const name = await modelWithVersions(3);
    for (const v of [1, 2, 3]) expect((await call(r.app, 'PUT', `/api/v1/models/${name}/aliases/champion`, { version: v })).status).toBe(200);
    const res = await call(r.app, 'POST', `/api/v1/models/${name}/rollback`, { alias: 'champion', reason: 'drift' });
    expect(res.body).toMatchObject({ target: 'alias:champion', from_version: 3, to_version: 2 });
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/aliases/champion`)).body.version).toBe(2);
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/versions/3`)).body.health).toBe('failed');
  });

  it('lets exactly one of two concurrent rollbacks of a target win; the other gets 409', async () => {
    const name = await modelWithVersions(3);
    for (const v of [1, 2, 3]) await promote(r.app, name, v);
    const [a, b] = await Promise.all([
      call(r.app, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'alice' }),
      call(r.app, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'bob' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    // Rolled back once, not twice: 3 -> 2.
    expect((await call(r.app, 'GET', `/api/v1/models/${name}`)).body.stages.Production).toBe(2);
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/versions/2`)).body.health).toBe('unknown');
  });

  it('ten concurrent rollbacks without from_version: one wins, nine get 409, one version is failed', async () => {
    const name = await modelWithVersions(12);
    for (let v = 1; v <= 12; v++) await promote(r.app, name, v);
    // Over sockets: on SQLite each request runs start to finish before the server reads the next,
    // so each would see the previous one's destination as the holder and roll back again.
    const answers = await burst(r.app, `/api/v1/models/${name}/rollback`, Array.from({ length: 10 }, (_, i) => ({ reason: `panic ${i}` })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, ...Array(9).fill(409)]);
    for (const a of answers.filter((x) => x.status === 409)) expect(a.body.error.details?.reason).toBe('concurrent_change');
    expect((await call(r.app, 'GET', `/api/v1/models/${name}`)).body.stages.Production).toBe(11);
    const versions = (await call(r.app, 'GET', `/api/v1/models/${name}/versions?max_results=100`)).body.versions;
    expect(versions.filter((v: { health: string }) => v.health === 'failed').map((v: { version: number }) => v.version)).toEqual([12]);
  });

  it('lets one of a concurrent promotion and rollback win; the loser changes nothing', async () => {
    const name = await modelWithVersions(4);
    for (const v of [1, 2, 3]) await promote(r.app, name, v);
    const [rb, pr] = await Promise.all([
      call(r.app, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'bad' }),
      promote(r.app, name, 4),
    ]);
    const prod = (await call(r.app, 'GET', `/api/v1/models/${name}/versions?stage=Production`)).body.versions;
    expect(prod).toHaveLength(1);
    // Sent together, the two overlap only if each reads Production before the other commits; a fast
    // transition can finish before the other request reads, and then both apply one after the other.
    if (rb.status !== 200 || pr.status !== 200) {
      // They overlapped: one claim won, and the loser changed nothing.
      expect([rb.status, pr.status].sort()).toEqual([200, 409]);
      expect(prod[0].version).toBe(rb.status === 200 ? 2 : 4);
      return;
    }
    // One after the other: the rollback marked 3 failed for 2, then the promotion moved 4 in; or the
    // promotion moved 4 in, then the rollback marked 4 failed for 3. Nothing else is a serial outcome.
    const bad = prod[0].version === 4 ? 3 : 4;
    expect([3, 4]).toContain(prod[0].version);
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/versions/${bad}`)).body).toMatchObject({ stage: 'Archived', health: 'failed' });
  });

  it('records history: which version held Production at a time, with actor and reason', async () => {
    const name = await modelWithVersions(2);
    await call(r.app, 'POST', `/api/v1/models/${name}/versions/1/stage`, { stage: 'production', reason: 'first launch' }, { 'stagecraft-actor': 'alice' });
    const t1 = Date.now();
    // Version 2 must enter in a later millisecond than t1, or t1 would fall on its entry.
    await clockPast(t1);
    await promote(r.app, name, 2);
    await call(r.app, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'p99 latency doubled' }, { 'stagecraft-actor': 'bob' });
    const h = (await call(r.app, 'GET', `/api/v1/models/${name}/history?stage=Production&at=${t1}`)).body;
    expect(h.at.version).toBe(1);
    expect(h.entries.map((e: { version: number }) => e.version)).toEqual([1, 2, 1]);
    expect(h.entries[0]).toMatchObject({ actor: 'bob', reason: 'p99 latency doubled', cause: 'rollback' });
    expect(h.entries[2]).toMatchObject({ actor: 'alice', reason: 'first launch' });
  });
});
