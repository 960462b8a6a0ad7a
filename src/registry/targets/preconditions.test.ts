import { describe, expect, it } from 'vitest';
import { DATABASES, uniqueName, useRegistry } from '../../../test/databases.js';
import { call, createModel, promote, registerVersion } from '../../../test/http.js';

describe.each(DATABASES)('move preconditions on %s', (kind) => {
  const r = useRegistry(kind);

  async function modelWithVersions(n: number) {
    const name = uniqueName('pre');
    await createModel(r.app, name);
    for (let i = 1; i <= n; i++) await registerVersion(r.app, name, { 'model.bin': `weights ${name} ${i}` });
    return name;
  }
  const production = async (name: string) => (await call(r.app, 'GET', `/api/v1/models/${name}`)).body.stages.Production;
  const stage = (name: string, v: number, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    call(r.app, 'POST', `/api/v1/models/${name}/versions/${v}/stage`, { stage: 'Production', archive_existing_versions: true, ...body }, headers);

  it('a promotion with expected_version moves only if that version still holds the stage', async () => {
    const name = await modelWithVersions(3);
    expect((await stage(name, 1, { expected_version: 2 })).status).toBe(409);
    expect((await stage(name, 1, { expected_version: null })).status).toBe(200);
    const stale = await stage(name, 3, { expected_version: null });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details).toMatchObject({ reason: 'concurrent_change', holder: 1 });
    expect(await production(name)).toBe(1);
    expect((await stage(name, 2, { expected_version: 1 })).status).toBe(200);
    expect(await production(name)).toBe(2);
  });

  it('If-Match takes the ETag a read answered; a move since makes it 409 and changes nothing', async () => {
    const name = await modelWithVersions(3);
    await promote(r.app, name, 1);
    const history = await call(r.app, 'GET', `/api/v1/models/${name}/history?stage=Production`);
    const etag = history.headers.etag as string;
    expect(etag).toMatch(/^"\d+"$/);
    const moved = await stage(name, 2, {}, { 'if-match': etag });
    expect(moved.status).toBe(200);
    expect(moved.headers.etag).not.toBe(etag);
    const stale = await stage(name, 3, {}, { 'if-match': etag });
    expect(stale.status).toBe(409);
    expect(stale.body.error.message).toContain('If-Match');
    expect(await production(name)).toBe(2);
    expect((await stage(name, 3, {}, { 'if-match': 'yesterday' })).status).toBe(400);
    const rb = await call(r.app, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'x' }, { 'if-match': etag });
    expect(rb.status).toBe(409);
    const fresh = await call(r.app, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'x' }, { 'if-match': moved.headers.etag as string });
    expect(fresh.status).toBe(200);
    expect(fresh.headers.etag).toBe(`"${Number(JSON.parse(moved.headers.etag as string)) + 1}"`);
  });

  it('a move to None or Archived is aimed at the stage it leaves; a move between them takes no precondition', async () => {
    const name = await modelWithVersions(2);
    await promote(r.app, name, 1);
    const leave = (body: Record<string, unknown>) => call(r.app, 'POST', `/api/v1/models/${name}/versions/1/stage`, { stage: 'Archived', ...body });
    expect((await leave({ expected_version: 2 })).status).toBe(409);
    expect((await leave({ expected_version: 1 })).status).toBe(200);
    const none = await call(r.app, 'POST', `/api/v1/models/${name}/versions/2/stage`, { stage: 'Archived', expected_version: 1 });
    expect(none.status).toBe(400);
  });

  it('alias moves take expected_version and If-Match', async () => {
    const name = await modelWithVersions(3);
    const put = (v: number, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
      call(r.app, 'PUT', `/api/v1/models/${name}/aliases/champion`, { version: v, ...body }, headers);
    expect((await put(1, { expected_version: 3 })).status).toBe(409);
    const first = await put(1, { expected_version: null });
    expect(first.status).toBe(200);
    const got = await call(r.app, 'GET', `/api/v1/models/${name}/aliases/champion`);
    expect(got.headers.etag).toBe(first.headers.etag);
    expect((await put(2, { expected_version: 1 })).status).toBe(200);
    expect((await put(3, {}, { 'if-match': got.headers.etag as string })).status).toBe(409);
    const del = await call(r.app, 'DELETE', `/api/v1/models/${name}/aliases/champion`, undefined, { 'if-match': got.headers.etag as string });
    expect(del.status).toBe(409);
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/aliases/champion`)).body.version).toBe(2);
  });

  it('a rollback right after another without from_version is taken as the same one; with from_version it goes', async () => {
    const name = await modelWithVersions(3);
    for (const v of [1, 2, 3]) await promote(r.app, name, v);
    expect((await call(r.app, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'a' })).status).toBe(200);
    const again = await call(r.app, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'b' });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain('from_version: 2');
    expect(await production(name)).toBe(2);
    const meant = await call(r.app, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'b', from_version: 2 });
    expect(meant.body).toMatchObject({ from_version: 2, to_version: 1 });
  });

  it('ten concurrent promotions with expected_version: one wins', async () => {
    const name = await modelWithVersions(11);
    await promote(r.app, name, 1);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => stage(name, i + 2, { expected_version: 1 })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, ...Array(9).fill(409)]);
    const prod = (await call(r.app, 'GET', `/api/v1/models/${name}/versions?stage=Production`)).body.versions;
    expect(prod).toHaveLength(1);
  });
  it('concurrent promotions into a stage that moved before (the claim rides in the stage write on PostgreSQL): each win is one revision, the rest 409', async () => {
    const name = await modelWithVersions(11);
    await promote(r.app, name, 1);
    const etag = async () => Number(JSON.parse((await call(r.app, 'GET', `/api/v1/models/${name}/history?stage=Production`)).headers.etag as string));
    const before = await etag();
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => stage(name, i + 2, {})));
    const won = answers.filter((a) => a.status === 200);
    expect(won.length).toBeGreaterThanOrEqual(1);
    for (const a of answers.filter((x) => x.status !== 200)) expect(a.body.error.details).toMatchObject({ reason: 'concurrent_change' });
    expect(await etag()).toBe(before + won.length);
    const prod = (await call(r.app, 'GET', `/api/v1/models/${name}/versions?stage=Production`)).body.versions;
    expect(prod).toHaveLength(1);
    const events = (await call(r.app, 'GET', `/api/v1/events?model=${name}&type=version.stage_changed&order=asc`)).body.events as Array<{ to: string }>;
    expect(events.filter((e) => e.to === 'Production')).toHaveLength(1 + won.length);
  });

  it('a stale If-Match on a stage that moved before changes nothing: no revision, no stage, no event', async () => {
    const name = await modelWithVersions(3);
    await promote(r.app, name, 1);
    const etag = (await call(r.app, 'GET', `/api/v1/models/${name}/history?stage=Production`)).headers.etag as string;
    expect((await stage(name, 2, {})).status).toBe(200);
    const count = async () => ((await call(r.app, 'GET', `/api/v1/events?model=${name}`)).body.events as unknown[]).length;
    const events = await count();
    const stale = await stage(name, 3, {}, { 'if-match': etag });
    expect(stale.status).toBe(409);
    expect(await count()).toBe(events);
    expect(await production(name)).toBe(2);
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/versions/3`)).body.stage).toBe('None');
  });

  it('the stage is re-checked and written in one statement: a version not READY stays where it is, with the reason, and archives nothing', async () => {
    const name = await modelWithVersions(2);
    // As MLflow's create leaves a version until its artifacts are in (PENDING_REGISTRATION).
    await r.deps.db
      .updateTable('versions')
      .set({ status: 'PENDING_REGISTRATION' })
      .where('version', '=', 1)
      .where('model_id', 'in', r.deps.db.selectFrom('models').select('id').where('name', '=', name))
      .execute();
    expect((await stage(name, 2, { stage: 'Staging' })).status).toBe(200);
    const refused = await stage(name, 1, { stage: 'Staging' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('only READY versions can enter Staging');
    const v1 = (await call(r.app, 'GET', `/api/v1/models/${name}/versions/1`)).body;
    expect(v1.stage).toBe('None');
    // The same statement would have archived version 2: the refusal rolled that back too.
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/versions/2`)).body.stage).toBe('Staging');
    // Leaving for a stage nothing serves from takes no READY check.
    expect((await stage(name, 1, { stage: 'Archived' })).status).toBe(200);
  });

  it('archive_existing archives every other version in the stage, highest first, one event each', async () => {
    const name = await modelWithVersions(4);
    for (const v of [1, 2, 3]) expect((await stage(name, v, { stage: 'Staging', archive_existing_versions: false })).status).toBe(200);
    const moved = await stage(name, 4, { stage: 'Staging' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ archived_versions: [3, 2, 1], version: { version: 4, stage: 'Staging' } });
    const events = (await call(r.app, 'GET', `/api/v1/events?model=${name}&type=version.stage_changed&order=asc`)).body.events as Array<Record<string, unknown>>;
    expect(events.slice(-4).map((e) => [e.version, e.from, e.to])).toEqual([
      [4, 'None', 'Staging'],
      [3, 'Staging', 'Archived'],
      [2, 'Staging', 'Archived'],
      [1, 'Staging', 'Archived'],
    ]);
    const staging = (await call(r.app, 'GET', `/api/v1/models/${name}/versions?stage=Staging`)).body.versions as Array<{ version: number }>;
    expect(staging.map((v) => v.version)).toEqual([4]);
  });
});
