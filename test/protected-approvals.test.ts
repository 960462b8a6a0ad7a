// Protected models (issue 20, point 2): every change of Production a person asks for — into it, out
// of it, a rollback — waits for a second deployer, through every door (native, MLflow, CLI); the
// requester cannot approve their own. The guard's automatic rollback goes through at once and says
// it bypassed the approval.
import { beforeAll, describe, expect, it } from 'vitest';
import { denseModelOnnx } from '../src/onnx/onnx-builder.js';
import { serverExtensions } from '../src/server.js';
import { runAgainst } from './cli-harness.js';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { call, createModel, promote, registerVersion } from './http.js';
import { manualClock, traffic } from './monitoring-traffic.js';

const T0 = Date.UTC(2026, 11, 5, 5, 0, 0);
const MLFLOW = '/api/2.0/mlflow';

describe.each(DATABASES)('protected models on %s', (kind) => {
  const clock = manualClock(T0);
  const ext = serverExtensions({ observe: { guard: { tickMs: 0 }, retention: { flushMs: 3_600_000 } } });
  const r = useRegistry(kind, { overrides: { clock }, extensions: ext.pick('observe', 'approvals', 'mlflow') });
  const as: Record<string, Record<string, string>> = {};
  const tokens: Record<string, string> = {};
  let url = '';

  beforeAll(async () => {
    for (const [name, role] of [['root', 'admin'], ['alice', 'deployer'], ['bob', 'deployer']] as const) {
      const res = await call(r.app, 'POST', '/api/v1/tokens', { name: `${name}-${kind}`, role }, as.root ?? {});
      tokens[name] = res.body.token;
      as[name] = { authorization: `Bearer ${res.body.token}` };
    }
    await r.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(r.app.server.address() as { port: number }).port}`;
  });

  /** v1 then v2 in Production (v1 archived), then protected; v3 registered, never promoted. */
  async function protectedModel() {
    const name = uniqueName('fraud');
    await createModel(r.app, name, as.root);
    for (const v of [1, 2, 3]) await registerVersion(r.app, name, { 'model.onnx': denseModelOnnx({ weights: [0.01, v], bias: -1, activation: 'sigmoid', doc: `${name} v${v}` }) }, {}, as.root);
    expect((await promote(r.app, name, 1, 'Production', true, as.alice)).status).toBe(200);
    expect((await promote(r.app, name, 2, 'Production', true, as.alice)).status).toBe(200);
    expect((await call(r.app, 'PATCH', `/api/v1/models/${name}`, { protected: true }, as.root)).body.protected).toBe(true);
    return name;
  }
  const production = async (name: string) => (await call(r.app, 'GET', `/api/v1/models/${name}`, undefined, as.root)).body.stages.Production;
  const approval = async (id: number) => (await call(r.app, 'GET', `/api/v1/approvals/${id}`, undefined, as.root)).body;
  const decide = (id: number, verdict: 'approve' | 'reject', who: string, comment?: string) => call(r.app, 'POST', `/api/v1/approvals/${id}/${verdict}`, comment ? { comment } : {}, as[who]);
  type Ev = { id: number; type: string; actor: string; reason: string; from: string; to: string; details: Record<string, unknown> };
  const events = async (name: string) => (await call<{ events: Ev[] }>(r.app, 'GET', `/api/v1/events?model=${name}&order=asc&limit=500`, undefined, as.root)).body.events;

  it("holds a person's rollback for a second deployer: pending, not by the requester, then done", async () => {
    const name = await protectedModel();
    const asked = await call(r.app, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'v2 mislabels refunds' }, as.alice);
    expect(asked.status).toBe(409);
    expect(asked.body.error.details).toMatchObject({ reason: 'approval_required', kind: 'rollback' });
    const id = asked.body.error.details.approval_id as number;
    expect(asked.body.error.message).toBe(
      `"${name}" is protected: rolling back Production from version 2 to version 1 needs a second deployer's approval: request ${id} is pending; a deployer other than alice-${kind} must approve it (stagecraft approvals approve ${id})`,
    );
    expect(await production(name)).toBe(2);
    expect(await approval(id)).toMatchObject({ kind: 'rollback', version: 1, from_version: 2, stage: 'Production', status: 'pending', requested_by: `alice-${kind}`, reason: 'v2 mislabels refunds' });
    // Asking again does not pile up requests.
    expect((await call(r.app, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'again' }, as.alice)).body.error.details.approval_id).toBe(id);

    const own = await decide(id, 'approve', 'alice');
    expect([own.status, own.body.error.message]).toEqual([403, expect.stringContaining('another deployer must')]);
    expect(await production(name)).toBe(2);
    const ok = await decide(id, 'approve', 'bob', 'confirmed with the fraud team');
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ approval: { status: 'approved', decided_by: `bob-${kind}` }, rollback: { from_version: 2, to_version: 1 }, version: { version: 1, stage: 'Production' } });
    expect(await production(name)).toBe(1);

    const log = await events(name);
    const rb = log.find((e) => e.type === 'rollback')!;
    expect(rb).toMatchObject({ actor: `bob-${kind}`, from: '2', to: '1' });
    expect(rb.reason).toContain(`v2 mislabels refunds (approval ${id}: requested by alice-${kind}, approved by bob-${kind}: confirmed with the fraud team)`);
    const types = log.map((e) => e.type);
    expect(types.indexOf('approval.requested')).toBeLessThan(types.indexOf('rollback'));
    expect(log.find((e) => e.type === 'approval.requested')).toMatchObject({ actor: `alice-${kind}`, details: { approval_id: id, kind: 'rollback', from_version: 2 } });
    expect(log.find((e) => e.type === 'approval.approved')).toMatchObject({ actor: `bob-${kind}`, details: { approval_id: id, requested_by: `alice-${kind}` } });
    expect((await decide(id, 'approve', 'root')).status).toBe(409); // decided once
  });

  it('lets a rejected rollback change nothing, and an approval whose Production moved meanwhile fail safe', async () => {
    const name = await protectedModel();
    const id = (await call(r.app, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'not sure' }, as.alice)).body.error.details.approval_id;
    expect((await decide(id, 'reject', 'bob', 'v2 is fine')).body).toMatchObject({ status: 'rejected', decided_by: `bob-${kind}`, kind: 'rollback' });
    expect(await production(name)).toBe(2);
    expect((await events(name)).find((e) => e.type === 'approval.rejected')).toMatchObject({ actor: `bob-${kind}`, reason: 'v2 is fine' });

    // Approved after Production moved: the rollback names what the requester saw; nothing changes, it stays pending.
    const stale = (await call(r.app, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'v2 again' }, as.alice)).body.error.details.approval_id;
    const into = (await promote(r.app, name, 3, 'Production', true, as.alice)).body.error.details.approval_id;
    expect((await decide(into, 'approve', 'bob')).status).toBe(200);
    const late = await decide(stale, 'approve', 'bob');
    expect([late.status, late.body.error.details.reason]).toEqual([409, 'concurrent_change']);
    expect(await production(name)).toBe(3);
    expect((await approval(stale)).status).toBe('pending');
  });

  it("holds every person's Production transition, in and out, through both doors", async () => {
    const name = await protectedModel();
    // Into Production (native): pending, then approved by another deployer.
    const into = await promote(r.app, name, 3, 'Production', true, as.alice);
    expect([into.status, into.body.error.details.reason]).toEqual([409, 'approval_required']);
    expect(into.body.error.message).toContain('moving version 3 into Production needs a second deployer');
    // The MLflow door finds the same pending request.
    const viaMlflow = await call(r.app, 'POST', `${MLFLOW}/model-versions/transition-stage`, { name, version: '3', stage: 'Production', archive_existing_versions: true }, as.alice);
    expect([viaMlflow.status, viaMlflow.body.error_code]).toEqual([409, 'RESOURCE_CONFLICT']);
    expect(viaMlflow.body.message).toContain(`stagecraft approvals approve ${into.body.error.details.approval_id}`);
    expect(await production(name)).toBe(2);
    expect((await decide(into.body.error.details.approval_id, 'approve', 'bob')).status).toBe(200);
    expect(await production(name)).toBe(3);

    // Out of Production: the same rule.
    const out = await promote(r.app, name, 3, 'Archived', false, as.bob);
    expect(out.status).toBe(409);
    expect(out.body.error.message).toContain('moving version 3 out of Production (to Archived)');
    expect((await decide(out.body.error.details.approval_id, 'approve', 'bob')).status).toBe(403);
    expect((await decide(out.body.error.details.approval_id, 'approve', 'alice')).status).toBe(200);
    expect(await production(name)).toBeNull();
    // Staging is not Production: no approval.
    expect((await promote(r.app, name, 1, 'Staging', false, as.alice)).status).toBe(200);
  });

  it('lets an alias point only at what entered Production with an approval, in both doors', async () => {
    const name = await protectedModel();
    const native = await call(r.app, 'PUT', `/api/v1/models/${name}/aliases/champion`, { version: 3 }, as.alice);
    expect([native.status, native.body.error.details.reason]).toEqual([409, 'approval_required']);
    const viaMlflow = await call(r.app, 'POST', `${MLFLOW}/registered-models/alias`, { name, alias: 'champion', version: '3' }, as.alice);
    expect(viaMlflow.status).toBe(409);
    expect((await call(r.app, 'PUT', `/api/v1/models/${name}/aliases/champion`, { version: 1 }, as.alice)).status).toBe(200);
  });

  it('says in the CLI that a rollback is pending and how to approve it', async () => {
    const name = await protectedModel();
    const cli = await runAgainst(url, ['--token', tokens.alice, 'rollback', name, '--reason', 'latency']);
    expect(cli.code).toBe(1);
    const id = (await call(r.app, 'GET', `/api/v1/approvals?model=${name}&status=pending`, undefined, as.root)).body.approvals[0].id;
    expect(cli.stderr).toContain(`Nothing was rolled back yet: the rollback is pending approval ${id}. Another deployer approves it with \`stagecraft approvals approve ${id}\``);
    const approved = await runAgainst(url, ['--token', tokens.bob, 'approvals', 'approve', String(id)]);
    expect(approved.stdout).toContain(`Approved ${id}: rolled back ${name} Production: version 2 -> version 1`);
    expect(await production(name)).toBe(1);
  });

  it("lets the guard's automatic rollback through at once, and reports that it bypassed the approval", async () => {
    const name = await protectedModel();
    expect((await call(r.app, 'PUT', `/api/v1/models/${name}/policy`, { interval_seconds: 10, watch_minutes: 60, rules: [{ metric: 'error_rate', max: 0.05, min_samples: 100, window_seconds: 600 }] }, as.root)).status).toBe(200);
    clock.t += 60_000;
    for (const x of traffic({ model: name, version: 2, n: 300, start: clock.t, errorRate: 0.3, seed: 7 })) ext.observe.observer.observe(x.obs);
    await ext.observe.writer!.flush();
    clock.t += 60_000;
    const report = await ext.observe.guard!.tick(clock.t);
    expect(report.rollbacks).toEqual([expect.objectContaining({ model: name, from_version: 2, to_version: 1 })]);
    expect(await production(name)).toBe(1);
    expect((await call(r.app, 'GET', `/api/v1/approvals?model=${name}`, undefined, as.root)).body.approvals).toEqual([]);
    const log = await events(name);
    const rb = log.find((e) => e.type === 'rollback')!;
    expect(rb).toMatchObject({ actor: 'guard', details: { approval_bypassed: true } });
    expect(log.find((e) => e.type === 'approval.bypassed')).toMatchObject({
      actor: 'guard',
      from: '2',
      to: '1',
      reason: expect.stringContaining('applied at once without a second deployer'),
      details: { automatic: true, rollback_event_id: rb.id },
    });
  });
});
