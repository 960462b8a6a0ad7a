// @vitest-environment jsdom
import './node-realm';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASES, uniqueName } from '../../../test/databases';
import { eventually, v2Body, waitConverged } from '../../../test/gateway-fixtures';
import { call } from '../../../test/http';
import { GOOD, modelWith, stage, WORSE } from '../../../test/promotion-fixtures';
import { PromotionPanel } from './PromotionPanel';
import { renderLive, usePromotionRegistry } from './promotion-test-support';

const as = (actor: string) => ({ 'stagecraft-actor': actor });
const V2 = { weights: [2, -2], bias: 0, activation: 'sigmoid' as const };

describe.each(DATABASES)('PromotionPanel against a real registry on %s', (kind) => {
  const r = usePromotionRegistry(kind);
  afterEach(cleanup);

  async function inProduction(specs = [GOOD, V2]) {
    const name = uniqueName('promo');
    await modelWith(r.app, name, specs);
    await stage(r.app, name, 1, 'Production');
    return name;
  }

  const panel = () => screen.getByRole('region', { name: 'Promotion' });

  it('says plainly when nothing is in progress and no drill ever passed', async () => {
    const name = await inProduction();
    renderLive(r.url, <PromotionPanel model={name} />);
    await screen.findByText('No rollout yet.');
    await screen.findByText('No shadow run yet.');
    await screen.findByText('None pending.');
    await waitFor(() => expect(screen.getByTestId('last-successful-drill').textContent).toBe('Last successful drill: never'));
  });

  it('shows a running canary with its step, share and baseline, and a deployer pauses and aborts it', async () => {
    const name = await inProduction();
    await waitConverged(r.app, name, 1);
    const started = await call(r.app, 'POST', `/api/v1/models/${name}/rollout`, { version: 2, steps: [10, 50, 100], key_header: 'X-User' });
    expect(started.status).toBe(201);
    renderLive(r.url, <PromotionPanel model={name} />);
    await waitFor(() => expect(screen.getByTestId('rollout-summary').textContent).toMatch(/running.*v2 \(candidate\) vs v1 \(baseline\).*step 1 of 3, 10% of traffic/));
    expect(panel().textContent).toContain('sticky on x-user');

    fireEvent.click(screen.getByRole('button', { name: 'Pause rollout' }));
    await screen.findByRole('button', { name: 'Resume rollout' });
    expect(screen.getByTestId('rollout-summary').textContent).toContain('paused');
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/rollout`)).body.status).toBe('paused');

    fireEvent.click(screen.getByRole('button', { name: 'Abort rollout' }));
    await waitFor(() => expect(screen.getByTestId('rollout-summary').textContent).toMatch(/aborted.*ended: /));
    expect(screen.queryByRole('group', { name: 'Rollout actions' })).toBeNull();
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/rollout`)).body.status).toBe('aborted');
  });

  it('follows the change feed: a rollout started elsewhere appears without a reload', async () => {
    const name = await inProduction();
    await waitConverged(r.app, name, 1);
    renderLive(r.url, <PromotionPanel model={name} />);
    await screen.findByText('No rollout yet.');
    // The page's feed is connected before the change, as a browser's would be long before.
    await waitFor(() => expect(screen.getByTestId('live-state').textContent).toBe('live'));
    await call(r.app, 'POST', `/api/v1/models/${name}/rollout`, { version: 2, steps: [25, 100] }, as('cli-user'));
    await waitFor(() => expect(screen.getByTestId('rollout-summary').textContent).toContain('25% of traffic'));
    expect(panel().textContent).toContain('started by cli-user');
  });

  it('pauses an inconclusive canary live and shows the analysis with its evidence', async () => {
    const name = await inProduction();
    await waitConverged(r.app, name, 1);
    await call(r.app, 'POST', `/api/v1/models/${name}/rollout`, { version: 2, steps: [10, 100], step_minutes: 1 });
    renderLive(r.url, <PromotionPanel model={name} />);
    await screen.findByText('No analysis yet.');
    await waitFor(() => expect(screen.getByTestId('live-state').textContent).toBe('live'));
    // A step later with no traffic at all: too little data, so the analysis pauses, never promotes.
    r.advance(61_000);
    await r.tick();
    const analysis = await screen.findByTestId('rollout-analysis');
    expect(analysis.textContent).toMatch(/Last analysis at step 1 \(10%\): inconclusive/);
    expect(within(analysis).getByRole('row', { name: /candidate v2/ }).textContent).toMatch(/candidate v20/);
    expect(within(analysis).getByRole('row', { name: /baseline v1/ })).toBeTruthy();
    expect(screen.getByTestId('rollout-summary').textContent).toContain('paused');
    expect(screen.getByRole('button', { name: 'Resume rollout' })).toBeTruthy();
  });

  it("shows a pending approval, the server's refusal to its requester, and approves another deployer's request with a comment", async () => {
    const name = await inProduction([GOOD, V2, WORSE]);
    await call(r.app, 'PUT', `/api/v1/models/${name}/approval-policy`, { stages: ['Staging', 'Production'] });
    // The browser acts as "local" (open mode): its own request must be refused by the server.
    const mine = await stage(r.app, name, 2, 'Staging', as('local'));
    expect(mine.body.error.details.reason).toBe('approval_required');
    const theirs = await stage(r.app, name, 3, 'Production', as('alice'));
    const id = theirs.body.error.details.approval_id;
    renderLive(r.url, <PromotionPanel model={name} />);

    const own = await screen.findByRole('listitem', { name: `Approval request ${mine.body.error.details.approval_id}` });
    expect(own.textContent).toContain('requested by local (you)');
    fireEvent.click(within(own).getByRole('button', { name: 'Approve v2 for Staging' }));
    expect((await within(own).findByRole('alert')).textContent).toContain('another deployer must');

    const item = screen.getByRole('listitem', { name: `Approval request ${id}` });
    expect(item.textContent).toMatch(/v3 → Production\s*requested by alice/);
    fireEvent.change(within(item).getByLabelText(`Comment on request ${id}`), { target: { value: 'checked the canary' } });
    fireEvent.click(within(item).getByRole('button', { name: 'Approve v3 for Production' }));
    await waitFor(() => expect(screen.queryByRole('listitem', { name: `Approval request ${id}` })).toBeNull());
    const decided = (await call(r.app, 'GET', `/api/v1/approvals/${id}`)).body;
    expect(decided).toMatchObject({ status: 'approved', decided_by: 'local', comment: 'checked the canary' });
    expect((await call(r.app, 'GET', `/api/v1/models/${name}`)).body.stages.Production).toBe(3);
  });

  it('shows the last drill with both switch times and when a drill last passed', async () => {
    const name = await inProduction([GOOD, V2, WORSE]);
    await stage(r.app, name, 2, 'Staging');
    const drill = await call(r.app, 'POST', `/api/v1/models/${name}/drills`, { version: 3 });
    expect(drill.status).toBe(201);
    expect(drill.body.passed).toBe(true);
    renderLive(r.url, <PromotionPanel model={name} />);
    await waitFor(() => expect(screen.getByTestId('last-successful-drill').textContent).toMatch(/Last successful drill: just now \(v3 ↔ v2 in Staging\)/));
    const last = screen.getByTestId('last-drill');
    expect(last.textContent).toMatch(/Last drill: passed in Staging by local/);
    expect(last.textContent).toMatch(/To candidate v3.*ms, 0\/\d+ requests failed/);
    expect(last.textContent).toMatch(/Back to v2.*ms, 0\/\d+ requests failed/);
  });

  it('shows a running shadow with its comparison report', async () => {
    const name = await inProduction([GOOD, WORSE]);
    await waitConverged(r.app, name, 1);
    expect((await call(r.app, 'POST', `/api/v1/models/${name}/shadow`, { version: 2, percent: 100 })).status).toBe(201);
    await eventually(async () => r.gateway().slots.get(name), (s) => !!s?.loaded.has(2), 'candidate warm');
    // [3, 0]: both say positive; [1, 0.5]: GOOD says positive, WORSE (bias -1.5) negative. Agreement 50%.
    for (const row of [[3, 0], [1, 0.5]]) {
      const res = await r.app.inject({ method: 'POST', url: `/v2/models/${name}/infer`, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(v2Body([row])) });
      expect(res.statusCode).toBe(200);
    }
    await eventually(async () => (await call(r.app, 'GET', `/api/v1/models/${name}/shadow`)).body.report, (rep) => rep?.compared_rows === 2, 'both mirrored rows compared');
    renderLive(r.url, <PromotionPanel model={name} />);
    await waitFor(() => expect(screen.getByTestId('shadow-summary').textContent).toMatch(/running\s*v2 shadows v1 on 100% of requests/));
    const report = screen.getByLabelText('Shadow report');
    expect(report.textContent).toMatch(/Mirrored requests2 \(0 dropped, 2 rows compared\)/);
    expect(report.textContent).toContain('Agreement rate50.0%');
    expect(report.textContent).toContain('Distribution distance (KS)');
    expect(report.textContent).toMatch(/Candidate latencyp50 [\d.]+ ms, p95 [\d.]+ ms/);
    expect(report.textContent).toContain('Candidate errors0 (0.00%)');
    // One more mirrored request shows on request (mirroring writes no events).
    await r.app.inject({ method: 'POST', url: `/v2/models/${name}/infer`, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(v2Body([[3, 0]])) });
    await eventually(async () => (await call(r.app, 'GET', `/api/v1/models/${name}/shadow`)).body.report, (rep) => rep?.compared_rows === 3, 'third row compared');
    fireEvent.click(screen.getByRole('button', { name: 'Refresh shadow report' }));
    await waitFor(() => expect(screen.getByLabelText('Shadow report').textContent).toContain('Agreement rate66.7%'));
  });
});
