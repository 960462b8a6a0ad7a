// No side doors: rollback --to, alias moves, force and the MLflow door clear the same gates and
// approvals as a promotion into the target; a failed version needs force, which is an admin's
// override with a reason, audited; a version no runtime can serve never enters a serving stage.
// A rollback to a version that held the target goes straight back (a bad model must not wait).
import { beforeAll, describe, expect, it } from 'vitest';
import { runAgainst } from './cli-harness.js';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { call, createModel, registerVersion } from './http.js';
import { GOOD, modelWith, setGates, WORSE } from './promotion-fixtures.js';
import { serverExtensions } from '../src/server.js';

describe.each(DATABASES)('no side doors on %s', (kind) => {
  const r = useRegistry(kind, { extensions: serverExtensions().pick('gates', 'approvals', 'mlflow') });
  const auth: Record<string, Record<string, string>> = {};
  const tokens: Record<string, string> = {};
  let url = '';

  beforeAll(async () => {
    for (const [name, role] of [['root', 'admin'], ['dana', 'deployer'], ['dave', 'deployer']] as const) {
      const res = await call(r.app, 'POST', '/api/v1/tokens', { name, role }, auth.root ?? {});
      tokens[name] = res.body.token;
      auth[name] = { authorization: `Bearer ${res.body.token}` };
    }
    await r.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(r.app.server.address() as { port: number }).port}`;
  });

  const as = (who: string) => auth[who];
  const get = async (path: string) => (await call(r.app, 'GET', path, undefined, as('root'))).body;
  const stage = (name: string, v: number, to: string, who = 'dana', extra: Record<string, unknown> = {}) =>
    call(r.app, 'POST', `/api/v1/models/${name}/versions/${v}/stage`, { stage: to, archive_existing_versions: true, ...extra }, as(who));
  const alias = (name: string, a: string, v: number, who = 'dana', extra: Record<string, unknown> = {}) =>
    call(r.app, 'PUT', `/api/v1/models/${name}/aliases/${a}`, { version: v, ...extra }, as(who));
  const rollback = (name: string, body: Record<string, unknown>, who = 'dana') => call(r.app, 'POST', `/api/v1/models/${name}/rollback`, body, as(who));

  /** v1 GOOD in Production; v2 WORSE fails the recall gate on Production. */
  async function gatedModel() {
    const name = uniqueName('doors');
    await createModel(r.app, name, as('root'));
    await modelWithAuth(name, [GOOD, WORSE]);
    expect((await stage(name, 1, 'Production')).status).toBe(200);
    const gates = await setGates(r.app, name, { stages: ['Production'], thresholds: [{ metric: 'recall', max_drop: 0.05 }] }, undefined, undefined, as('root'));
    expect(gates.status).toBe(200);
    return name;
  }
  async function modelWithAuth(name: string, specs: typeof GOOD[]) {
    await modelWith(r.app, name, specs, as('root'), false);
  }

  it('rollback --to a version that failed its gates and never held Production is refused, by the API and the CLI', async () => {
    const name = await gatedModel();
    expect((await stage(name, 2, 'Production')).body.error.details.reason).toBe('validation_failed');
    const res = await rollback(name, { to_version: 2, reason: 'back to v2' });
    expect(res.status).toBe(409);
    expect(res.body.error.details).toMatchObject({ reason: 'validation_failed', failed_checks: ['recall.max_drop'] });
    expect((await get(`/api/v1/models/${name}`)).stages.Production).toBe(1);
    const cli = await runAgainst(url, ['--token', tokens.dana, 'rollback', name, '--to', '2', '--reason', 'back to v2']);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain('validation gate failed');
    expect((await get(`/api/v1/models/${name}`)).stages.Production).toBe(1);
  });

  it('a rollback to a version that held the target goes straight back, past gates and approvals', async () => {
    const name = uniqueName('doors');
    await createModel(r.app, name, as('root'));
    await modelWithAuth(name, [GOOD, GOOD, WORSE]);
    for (const v of [1, 2]) expect((await stage(name, v, 'Production')).status).toBe(200);
    // From now on Production needs an approval, and v1 would fail today's gates were it new.
    await call(r.app, 'PUT', `/api/v1/models/${name}/approval-policy`, { stages: ['Production'] }, as('root'));
    await setGates(r.app, name, { stages: ['Production'], signature: false, thresholds: [{ metric: 'recall', min: 0.99 }] }, undefined, undefined, as('root'));
    const back = await rollback(name, { reason: 'errors up', from_version: 2 });
    expect(back.body).toMatchObject({ from_version: 2, to_version: 1 });
    // An explicit --to of a version that never held Production is a promotion in disguise: approval needed.
    const newcomer = await rollback(name, { to_version: 3, reason: 'try v3', from_version: 1 });
    expect(newcomer.status).toBe(409);
    expect(newcomer.body.error.details.reason).toBe('validation_failed');
    expect((await get(`/api/v1/models/${name}`)).stages.Production).toBe(1);
  });

  it('a rollback --to a never-held version opens the approval a promotion would, and approving it replaces the holder', async () => {
    const name = uniqueName('doors');
    await createModel(r.app, name, as('root'));
    await modelWithAuth(name, [GOOD, GOOD, GOOD]);
    for (const v of [2, 3]) expect((await stage(name, v, 'Production')).status).toBe(200);
    await call(r.app, 'PUT', `/api/v1/models/${name}/approval-policy`, { stages: ['Production'] }, as('root'));
    const res = await rollback(name, { to_version: 1, reason: 'v1 was fine' });
    expect(res.body.error.details.reason).toBe('approval_required');
    const id = res.body.error.details.approval_id;
    const ok = await call(r.app, 'POST', `/api/v1/approvals/${id}/approve`, { comment: 'ok' }, as('dave'));
    expect(ok.status).toBe(200);
    expect((await get(`/api/v1/models/${name}`)).stages.Production).toBe(1);
  });

  it('an alias cannot point at a failed version without force; force is an admin override with a reason, audited', async () => {
    const name = uniqueName('doors');
    await createModel(r.app, name, as('root'));
    await modelWithAuth(name, [GOOD, GOOD]);
    await stage(name, 1, 'Production');
    await call(r.app, 'POST', `/api/v1/models/${name}/versions/1/health`, { health: 'failed', reason: 'leaked labels' }, as('root'));
    const plain = await alias(name, 'champion', 1);
    expect(plain.status).toBe(409);
    expect(plain.body.error.message).toContain('marked failed');
    expect((await alias(name, 'champion', 1, 'dana', { force: true, reason: 'need it' })).status).toBe(403);
    expect((await alias(name, 'champion', 1, 'root', { force: true })).status).toBe(400);
    expect((await alias(name, 'champion', 1, 'root', { force: true, reason: 'forensics replay' })).status).toBe(200);
    const set = (await get(`/api/v1/events?model=${name}&type=alias.set`)).events[0];
    expect(set).toMatchObject({ actor: 'root', reason: 'forensics replay', details: { forced: true } });
    // Same for a stage move, and for a rollback --to.
    expect((await stage(name, 1, 'Staging', 'dana', { force: true, reason: 'x' })).status).toBe(403);
    expect((await stage(name, 1, 'Staging', 'root', { force: true, reason: 'replay' })).status).toBe(200);
    await stage(name, 2, 'Production');
    expect((await rollback(name, { to_version: 1, reason: 'x', force: true })).status).toBe(403);
    const forced = await rollback(name, { to_version: 1, reason: 'known bad, known cause', force: true }, 'root');
    expect(forced.status).toBe(200);
    const rb = (await get(`/api/v1/events?model=${name}&type=rollback`)).events[0];
    expect(rb).toMatchObject({ actor: 'root', details: { forced: true } });
  });

  it('an alias move clears the gates and approvals of Production unless the version held Production', async () => {
    const name = await gatedModel();
    const refused = await alias(name, 'champion', 2);
    expect(refused.status).toBe(409);
    expect(refused.body.error.details.reason).toBe('validation_failed');
    expect((await alias(name, 'champion', 1)).status).toBe(200);
    await call(r.app, 'PUT', `/api/v1/models/${name}/approval-policy`, { stages: ['Production'] }, as('root'));
    await call(r.app, 'DELETE', `/api/v1/models/${name}/gates`, undefined, as('root'));
    const needs = await alias(name, 'candidate', 2);
    expect(needs.status).toBe(409);
    expect(needs.body.error.details.reason).toBe('approval_required');
    expect(needs.body.error.message).toContain('promote it through Production first');
    // The MLflow door's set-alias goes through the same move.
    const ml = await call(r.app, 'POST', '/api/2.0/mlflow/registered-models/alias', { name, alias: 'candidate', version: '2' }, as('dana'));
    expect(ml.status).toBeGreaterThanOrEqual(400);
    expect((await get(`/api/v1/models/${name}`)).aliases).toEqual({ champion: 1 });
  });

  it('the servable gate refuses a version no runtime can serve from Staging and Production, naming why', async () => {
    const name = uniqueName('doors');
    await createModel(r.app, name, as('root'));
    await registerVersion(r.app, name, { 'model.pkl': 'a pickle' }, {}, as('root'));
    await registerVersion(r.app, name, { 'model.pkl': 'a pickle' }, { endpoint_url: 'http://127.0.0.1:9/invocations' }, as('root'));
    for (const to of ['Staging', 'Production']) {
      const res = await stage(name, 1, to);
      expect(res.status).toBe(409);
      expect(res.body.error.details.failed_checks).toEqual(['servable']);
      expect(res.body.error.message).toContain('no runtime can serve version 1');
    }
    expect((await stage(name, 1, 'Archived')).status).toBe(200);
    expect((await stage(name, 2, 'Production')).status).toBe(200);
    const report = await get(`/api/v1/models/${name}/versions/1/validation`);
    expect(report).toMatchObject({ passed: false, failed_checks: ['servable'] });
    // Through the MLflow door too.
    const ml = await call(r.app, 'POST', '/api/2.0/mlflow/model-versions/transition-stage', { name, version: '1', stage: 'Production', archive_existing_versions: false }, as('dana'));
    expect(ml.status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(ml.body)).toContain('no runtime can serve');
    // An admin may override it, with a reason that lands in the report.
    const over = await call(r.app, 'POST', `/api/v1/models/${name}/versions/1/stage/override`, { stage: 'Staging', reason: 'served by hand for a demo' }, as('root'));
    expect(over.status).toBe(200);
    expect((await get(`/api/v1/models/${name}/versions/1/validation`)).override).toMatchObject({ actor: 'root', reason: 'served by hand for a demo' });
  });
});
