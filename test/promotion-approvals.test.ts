import { describe, expect, it } from 'vitest';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { call } from './http.js';
import { GOOD, modelWith, setGates, stage, WORSE } from './promotion-fixtures.js';
import { serverExtensions } from '../src/server.js';

const as = (actor: string) => ({ 'stagecraft-actor': actor });

describe.each(DATABASES)('approvals on %s', (kind) => {
  const ext = serverExtensions();
  const r = useRegistry(kind, { extensions: ext.pick('gates', 'approvals') });

  async function guardedModel(specs = [GOOD, { weights: [2, -2], bias: 0, activation: 'sigmoid' as const }]) {
    const name = uniqueName('approve');
    await modelWith(r.app, name, specs);
    await stage(r.app, name, 1, 'Production');
    expect((await call(r.app, 'PUT', `/api/v1/models/${name}/approval-policy`, { stages: ['production'] })).body.stages).toEqual(['Production']);
    return name;
  }

  it('turns a transition to Production into a pending request instead of moving the version', async () => {
    const name = await guardedModel();
    const res = await stage(r.app, name, 2, 'Production', as('alice'));
    expect(res.status).toBe(409);
    expect(res.body.error.details.reason).toBe('approval_required');
    const id = res.body.error.details.approval_id;
    expect(res.body.error.message).toContain(`request ${id} is pending`);
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/versions/2`)).body.stage).toBe('None');
    const pending = (await call(r.app, 'GET', `/api/v1/approvals?status=pending&model=${name}`)).body.approvals;
    expect(pending).toEqual([expect.objectContaining({ id, model: name, version: 2, stage: 'Production', status: 'pending', requested_by: 'alice' })]);
    // Asking again does not pile up requests.
    expect((await stage(r.app, name, 2, 'Production', as('alice'))).body.error.details.approval_id).toBe(id);
    // Staging needs no approval under this policy.
    expect((await stage(r.app, name, 2, 'Staging', as('alice'))).status).toBe(200);
  });

  it('refuses approval by the requester and lets another deployer approve, moving the version', async () => {
    const name = await guardedModel();
    const id = (await stage(r.app, name, 2, 'Production', as('alice'))).body.error.details.approval_id;
    const self = await call(r.app, 'POST', `/api/v1/approvals/${id}/approve`, { comment: 'lgtm' }, as('alice'));
    expect(self.status).toBe(403);
    expect(self.body.error.message).toContain('another deployer must');
    expect((await call(r.app, 'GET', `/api/v1/approvals/${id}`)).body.status).toBe('pending');

    const ok = await call(r.app, 'POST', `/api/v1/approvals/${id}/approve`, { comment: 'checked the report' }, as('bob'));
    expect(ok.status).toBe(200);
    expect(ok.body.approval).toMatchObject({ status: 'approved', decided_by: 'bob', comment: 'checked the report' });
    expect(ok.body.version.stage).toBe('Production');
    expect(ok.body.archived_versions).toEqual([1]);
    const again = await call(r.app, 'POST', `/api/v1/approvals/${id}/approve`, {}, as('carol'));
    expect(again.status).toBe(409);

    const events = (await call(r.app, 'GET', `/api/v1/events?model=${name}&order=asc`)).body.events;
    const types = events.map((e: { type: string }) => e.type);
    expect(types.indexOf('approval.requested')).toBeLessThan(types.lastIndexOf('version.stage_changed'));
    expect(events.find((e: { type: string }) => e.type === 'approval.approved')).toMatchObject({ actor: 'bob', reason: 'checked the report', version: 2 });
    const moved = events.filter((e: { type: string; to: string }) => e.type === 'version.stage_changed' && e.to === 'Production').pop();
    expect(moved).toMatchObject({ actor: 'bob', version: 2 });
  });

  it('records a rejection with its comment and leaves the version where it was', async () => {
    const name = await guardedModel();
    const id = (await stage(r.app, name, 2, 'Production', as('alice'))).body.error.details.approval_id;
    expect((await call(r.app, 'POST', `/api/v1/approvals/${id}/reject`, { comment: 'mine' }, as('alice'))).status).toBe(403);
    const res = await call(r.app, 'POST', `/api/v1/approvals/${id}/reject`, { comment: 'wait for the drift report' }, as('bob'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'rejected', decided_by: 'bob', comment: 'wait for the drift report' });
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/versions/2`)).body.stage).toBe('None');
    const ev = (await call(r.app, 'GET', `/api/v1/events?model=${name}&type=approval.rejected`)).body.events[0];
    expect(ev).toMatchObject({ actor: 'bob', reason: 'wait for the drift report' });
  });

  it('runs the validation gates before opening a request, and again when it is approved', async () => {
    const name = await guardedModel([GOOD, WORSE]);
    await setGates(r.app, name, { thresholds: [{ metric: 'recall', max_drop: 0.05 }] });
    const res = await stage(r.app, name, 2, 'Production', as('alice'));
    expect(res.body.error.details.reason).toBe('validation_failed');
    expect((await call(r.app, 'GET', `/api/v1/approvals?model=${name}`)).body.approvals).toEqual([]);
  });

  it('answers 404 for an unknown request and 400 for a policy naming a non-serving stage', async () => {
    expect((await call(r.app, 'POST', '/api/v1/approvals/999999/approve', {}, as('bob'))).status).toBe(404);
    const name = await guardedModel();
    expect((await call(r.app, 'PUT', `/api/v1/models/${name}/approval-policy`, { stages: ['Archived'] })).status).toBe(400);
  });
});
