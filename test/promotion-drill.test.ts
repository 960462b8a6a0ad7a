import { describe, expect, it } from 'vitest';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { call } from './http.js';
import { GOOD, modelWith, stage } from './promotion-fixtures.js';
import { serverExtensions } from '../src/server.js';

const V = (w: number) => ({ weights: [w, -w], bias: 0, activation: 'sigmoid' as const });

describe.each(DATABASES)('rollback drills on %s', (kind) => {
  const ext = serverExtensions();
  const r = useRegistry(kind, { extensions: ext.pick('serving', 'gates', 'drills') });

  async function staged() {
    const name = uniqueName('drill');
    await modelWith(r.app, name, [GOOD, V(2), V(3), V(4)]);
    await stage(r.app, name, 1, 'Production');
    await stage(r.app, name, 2, 'Staging');
    return name;
  }

  it('leaves Staging as it was, restores the candidate, and records both switch times with no failed request', async () => {
    const name = await staged();
    const res = await call(r.app, 'POST', `/api/v1/models/${name}/drills`, { version: 3 });
    expect(res.status).toBe(201);
    const d = res.body;
    expect(d).toMatchObject({ passed: true, problems: [], stage: 'Staging', candidate_version: 3, previous_version: 2, stage_restored: true });
    expect(d.to_candidate).toMatchObject({ to_version: 3, failed_probes: 0 });
    expect(d.back_to_previous).toMatchObject({ to_version: 2, failed_probes: 0 });
    expect(d.to_candidate.ms).toBeGreaterThan(0);
    expect(d.back_to_previous.ms).toBeGreaterThan(0);
    const model = (await call(r.app, 'GET', `/api/v1/models/${name}`)).body;
    expect(model.stages).toEqual({ Production: 1, Staging: 2 });
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/versions/3`)).body).toMatchObject({ stage: 'None', health: 'unknown' });
    const list = (await call(r.app, 'GET', `/api/v1/models/${name}/drills`)).body;
    expect(list.last_passed.id).toBe(d.id);
    const types = (await call(r.app, 'GET', `/api/v1/events?model=${name}`)).body.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(['drill.passed', 'rollback']));
  });

  it('checks every gateway replica when the model is served from Staging', async () => {
    const name = await staged();
    expect((await call(r.app, 'PUT', `/api/v1/models/${name}/binding`, { stage: 'Staging' })).status).toBe(200);
    const d = (await call(r.app, 'POST', `/api/v1/models/${name}/drills`, {})).body;
    expect(d).toMatchObject({ passed: true, candidate_version: 4, previous_version: 2 });
    expect(d.to_candidate.replicas.length).toBeGreaterThan(0);
    expect(d.to_candidate.replicas.every((x: { version: number }) => x.version === 4)).toBe(true);
    expect(d.back_to_previous.replicas.every((x: { version: number }) => x.version === 2)).toBe(true);
  });

  it('lets a policy require a passing drill of the version before Production', async () => {
    const name = await staged();
    expect((await call(r.app, 'PUT', `/api/v1/models/${name}/gates`, { require_drill: true, signature: false, digest: false, stages: ['Production'] })).status).toBe(200);
    const refused = await stage(r.app, name, 4, 'Production');
    expect(refused.status).toBe(409);
    expect(refused.body.error.details.failed_checks).toEqual(['drill']);
    expect((await call(r.app, 'POST', `/api/v1/models/${name}/drills`, { version: 4 })).body.passed).toBe(true);
    expect((await stage(r.app, name, 4, 'Production')).status).toBe(200);
  });

  it('refuses a drill outside Staging or without a version in Staging to return to', async () => {
    const name = uniqueName('drill-none');
    await modelWith(r.app, name, [GOOD, V(2)]);
    expect((await call(r.app, 'POST', `/api/v1/models/${name}/drills`, { stage: 'Production' })).status).toBe(400);
    const res = await call(r.app, 'POST', `/api/v1/models/${name}/drills`, {});
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain('nothing holds Staging');
  });
});
