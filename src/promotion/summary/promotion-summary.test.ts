import { describe, expect, it } from 'vitest';
import { DATABASES, uniqueName, useRegistry } from '../../../test/databases.js';
import { waitConverged } from '../../../test/gateway-fixtures.js';
import { call } from '../../../test/http.js';
import { GOOD, modelWith, stage } from '../../../test/promotion-fixtures.js';
import { serverExtensions } from '../../server.js';

const V = (w: number) => ({ weights: [w, -w], bias: 0, activation: 'sigmoid' as const });

describe.each(DATABASES)('promotion summary for the models list on %s', (kind) => {
  const ext = serverExtensions({ experiments: { tickMs: 0 } });
  const r = useRegistry(kind, { extensions: ext.pick('serving', 'approvals', 'experiments', 'drills', 'summary') });

  async function served(prefix: string) {
    const name = uniqueName(prefix);
    await modelWith(r.app, name, [GOOD, V(2), V(3)]);
    await stage(r.app, name, 1, 'Production');
    await waitConverged(r.app, name, 1);
    return name;
  }

  const summaryOf = async (name: string) => ((await call(r.app, 'GET', '/api/v1/promotions')).body.models as Array<{ name: string }>).find((m) => m.name === name);

  it('names each model with a canary, a shadow, pending approvals or a passed drill, and leaves quiet models out', async () => {
    const canary = await served('sum-canary');
    const shadowed = await served('sum-shadow');
    const quiet = await served('sum-quiet');
    const drilled = await served('sum-drill');
    expect((await call(r.app, 'POST', `/api/v1/models/${canary}/rollout`, { version: 2, steps: [25, 100] })).status).toBe(201);
    expect((await call(r.app, 'POST', `/api/v1/models/${shadowed}/shadow`, { version: 2, percent: 5 })).status).toBe(201);
    await call(r.app, 'PUT', `/api/v1/models/${canary}/approval-policy`, { stages: ['Staging', 'Production'] });
    expect((await stage(r.app, canary, 3, 'Staging', { 'stagecraft-actor': 'alice' })).status).toBe(409);
    await stage(r.app, drilled, 2, 'Staging');
    expect((await call(r.app, 'POST', `/api/v1/models/${drilled}/drills`, { version: 3 })).body.passed).toBe(true);

    expect(await summaryOf(canary)).toEqual({ name: canary, rollout: { version: 2, baseline_version: 1, status: 'running', weight: 25 }, shadow: null, pending_approvals: 1, last_passed_drill_at: null });
    expect(await summaryOf(shadowed)).toEqual({ name: shadowed, rollout: null, shadow: { version: 2, percent: 5 }, pending_approvals: 0, last_passed_drill_at: null });
    const d = await summaryOf(drilled);
    const ranAt = (await call(r.app, 'GET', `/api/v1/models/${drilled}/drills`)).body.last_passed.ran_at;
    expect(d).toEqual({ name: drilled, rollout: null, shadow: null, pending_approvals: 0, last_passed_drill_at: ranAt });
    expect(await summaryOf(quiet)).toBeUndefined();

    // An aborted rollout is no longer in progress.
    await call(r.app, 'POST', `/api/v1/models/${canary}/rollout/abort`, {});
    expect((await summaryOf(canary)) as unknown).toMatchObject({ rollout: null, pending_approvals: 1 });
  });
});
