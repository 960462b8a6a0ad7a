// @vitest-environment jsdom
import './node-realm';
import { cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASES, uniqueName } from '../../../test/databases';
import { eventually, waitConverged } from '../../../test/gateway-fixtures';
import { call } from '../../../test/http';
import { GOOD, modelWith, setGates, stage, WORSE } from '../../../test/promotion-fixtures';
import { describeEvent, TimelineItem } from '../components/Timeline';
import type { RegistryEvent } from '../types';
import { usePromotionRegistry } from './promotion-test-support';

const V2 = { weights: [2, -2], bias: 0, activation: 'sigmoid' as const };
const as = (actor: string) => ({ 'stagecraft-actor': actor });

describe.each(DATABASES)('promotion events in the timeline, from a real registry on %s', (kind) => {
  const r = usePromotionRegistry(kind);
  afterEach(cleanup);

  async function eventsOf(name: string): Promise<RegistryEvent[]> {
    return (await call(r.app, 'GET', `/api/v1/events?model=${name}&order=asc&limit=200`)).body.events;
  }

  it('reads as sentences for every rollout, shadow, approval, validation and drill step, with automatic ones marked', async () => {
    const name = uniqueName('story');
    await modelWith(r.app, name, [GOOD, V2, WORSE, V2]);
    await stage(r.app, name, 1, 'Production');
    await stage(r.app, name, 2, 'Staging');
    await waitConverged(r.app, name, 1);
    await call(r.app, 'POST', `/api/v1/models/${name}/rollout`, { version: 4, steps: [10, 100], step_minutes: 1 }, as('alice'));
    r.advance(61_000);
    await r.tick(); // no traffic: inconclusive, paused by the rollout itself
    await call(r.app, 'POST', `/api/v1/models/${name}/rollout/abort`, { reason: 'enough' }, as('alice'));
    await call(r.app, 'POST', `/api/v1/models/${name}/shadow`, { version: 4, percent: 10 }, as('alice'));
    await eventually(async () => (await call(r.app, 'POST', `/api/v1/models/${name}/shadow/stop`, {}, as('alice'))).status, (s) => s === 200, 'shadow stopped');
    await call(r.app, 'POST', `/api/v1/models/${name}/drills`, { version: 3 }, as('alice'));
    await setGates(r.app, name, { thresholds: [{ metric: 'recall', max_drop: 0.05 }] });
    await stage(r.app, name, 3, 'Production', as('alice'));
    await call(r.app, 'PUT', `/api/v1/models/${name}/approval-policy`, { stages: ['Production'] });
    const pending = await stage(r.app, name, 2, 'Production', as('alice'));
    await call(r.app, 'POST', `/api/v1/approvals/${pending.body.error.details.approval_id}/approve`, { comment: 'ok' }, as('bob'));

    const events = await eventsOf(name);
    const said = (type: string) => events.filter((e) => e.type === type).map(describeEvent);
    expect(said('rollout.started')).toEqual(['Canary rollout of v4 vs v1 started at 10%']);
    expect(said('rollout.paused')).toEqual(['Canary v4 paused at 10%: analysis inconclusive']);
    expect(said('rollout.aborted')).toEqual(['Canary v4 aborted: all traffic back on v1']);
    expect(said('shadow.started')).toEqual(['Shadow of v4 started on 10% of requests']);
    expect(said('shadow.stopped')).toEqual(['Shadow of v4 stopped']);
    expect(said('drill.passed')[0]).toMatch(/^Rollback drill in Staging passed with v3 \(switches \d+ ms and \d+ ms\)$/);
    expect(said('gates.updated')).toEqual(['Validation gates updated']);
    expect(said('validation.failed')).toEqual(['v3 failed validation for Production: recall.max_drop']);
    expect(said('approval.policy_updated')).toEqual(['Approval now required for Production']);
    expect(said('approval.requested')).toEqual(['Approval requested: v2 → Production']);
    expect(said('approval.approved')).toEqual(['Approved v2 → Production']);
    expect(said('validation.passed')).toContain('v2 passed validation for Production');
    // Nothing of this feature falls back to the bare type name.
    const fallback = (type: string) => type.charAt(0).toUpperCase() + type.slice(1).replace(/[._]/g, ' ');
    for (const e of events.filter((x) => /^(rollout|shadow|approval|validation|drill|gates)\./.test(x.type))) expect([fallback(e.type), `${fallback(e.type)} (v${e.version})`]).not.toContain(describeEvent(e));

    const paused = events.find((e) => e.type === 'rollout.paused')!;
    const { container, unmount } = render(<ol><TimelineItem e={paused} /></ol>);
    expect(container.textContent).toContain('automatic');
    expect(container.textContent).toContain('inconclusive');
    unmount();
    const approved = events.find((e) => e.type === 'approval.approved')!;
    const manual = render(<ol><TimelineItem e={approved} /></ol>);
    expect(manual.container.textContent).toMatch(/manual.*by bob/);
    expect(manual.container.textContent).toContain('ok');
  });
});
