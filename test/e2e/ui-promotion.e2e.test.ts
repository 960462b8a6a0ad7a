// Safe promotion in real Chromium against a real server (gateway, rollouts, approvals, drills and
// the web module on 127.0.0.1:0): a canary in progress and a pending approval are visible on the
// model page and in the models list, and another deployer (the browser, "local") approves the
// request: the version goes to Production, which ends the canary cleanly, all without a reload.
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, uniqueName, useRegistry } from '../databases.js';
import { waitConverged } from '../gateway-fixtures.js';
import { call } from '../http.js';
import { GOOD, modelWith, setGates, stage } from '../promotion-fixtures.js';
import { ensureWebBuilt, launchChromium, requireChromium, screenshotPaths, SKIP_E2E } from './browser.js';
import { serverExtensions } from '../../src/server.js';

const WAIT = { timeout: 10_000 };
const V = (w: number) => ({ weights: [w, -w], bias: 0, activation: 'sigmoid' as const });
const alice = { 'stagecraft-actor': 'alice' };

describe.skipIf(SKIP_E2E).each(DATABASES)('safe promotion in the web UI in Chromium on %s', (kind) => {
  const root = SKIP_E2E ? '' : ensureWebBuilt();
  // tickMs 0: the canary stays at its first step while the browser looks at it.
  const ext = serverExtensions({ experiments: { tickMs: 0 }, ui: { root } });
  const r = useRegistry(kind, {
    extensions: ext.pick('serving', 'gates', 'approvals', 'experiments', 'drills', 'summary', 'ui'),
  });
  let browser: Browser;
  let page: Page;
  let base: string;
  let approvalId: number;
  const model = uniqueName('checkout-ranker');

  beforeAll(async () => {
    requireChromium();
    await r.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(r.app.server.address() as AddressInfo).port}`;
    await modelWith(r.app, model, [GOOD, V(2), V(3)]);
    await stage(r.app, model, 1, 'Production');
    await stage(r.app, model, 2, 'Staging');
    await waitConverged(r.app, model, 1);
    expect((await call(r.app, 'POST', `/api/v1/models/${model}/drills`, { version: 3 }, alice)).body.passed).toBe(true);
    expect((await call(r.app, 'POST', `/api/v1/models/${model}/rollout`, { version: 2, steps: [10, 50, 100], key_header: 'X-User' }, alice)).status).toBe(201);
    expect((await setGates(r.app, model, { thresholds: [{ metric: 'recall', max_drop: 0.05 }] })).status).toBe(200);
    await call(r.app, 'PUT', `/api/v1/models/${model}/approval-policy`, { stages: ['Production'] });
    const pending = await stage(r.app, model, 3, 'Production', alice);
    expect(pending.body.error.details.reason).toBe('approval_required');
    approvalId = pending.body.error.details.approval_id;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('marks the model in the list with its canary and its pending approval', async () => {
    await page.goto(`${base}/`);
    const link = page.getByRole('list', { name: 'Models' }).getByRole('link', { name: model });
    await link.waitFor(WAIT);
    const row = page.locator('.model-row', { has: page.getByRole('link', { name: model, exact: true }) });
    await row.getByText('canary v2 10%').waitFor(WAIT);
    await row.getByText('1 approval pending').waitFor(WAIT);
    expect(await row.innerText()).toContain('drill passed');
  });

  it('shows the canary in progress, the pending approval and the last drill on the model page', async () => {
    await page.getByRole('list', { name: 'Models' }).getByRole('link', { name: model }).click();
    const panel = page.getByRole('region', { name: 'Promotion' });
    await panel.waitFor(WAIT);
    await panel.getByTestId('rollout-summary').filter({ hasText: '10% of traffic on the candidate' }).waitFor(WAIT);
    expect(await panel.getByTestId('rollout-summary').innerText()).toMatch(/running\s*v2 \(candidate\) vs v1 \(baseline\)/);
    const request = panel.getByRole('listitem', { name: `Approval request ${approvalId}` });
    await request.waitFor(WAIT);
    expect(await request.innerText()).toMatch(/v3 → Production\s*requested by alice/);
    expect(await panel.getByTestId('last-successful-drill').innerText()).toMatch(/Last successful drill: just now \(v3 ↔ v2 in Staging\)/);
    await page.getByRole('region', { name: 'Timeline' }).getByText('Canary rollout of v2 vs v1 started at 10%').waitFor(WAIT);
    for (const p of screenshotPaths('promotion')) await panel.screenshot({ path: p });
  });

  it('approves the request as another deployer: v3 goes to Production and the canary ends, without a reload', async () => {
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    const panel = page.getByRole('region', { name: 'Promotion' });
    const request = panel.getByRole('listitem', { name: `Approval request ${approvalId}` });
    await request.getByLabel(`Comment on request ${approvalId}`).fill('holdout and drill both fine');
    await request.getByRole('button', { name: 'Approve v3 for Production' }).click();
    await request.waitFor({ state: 'detached', ...WAIT });
    await panel.getByText('None pending.').waitFor(WAIT);
    await page.getByTestId('production-version').filter({ hasText: 'v3' }).waitFor(WAIT);
    await panel.getByTestId('rollout-summary').filter({ hasText: 'ended' }).waitFor(WAIT);
    const timeline = page.getByRole('region', { name: 'Timeline' });
    await timeline.getByText('Approved v3 → Production').waitFor(WAIT);
    await timeline.getByText('holdout and drill both fine').first().waitFor(WAIT);
    const decided = (await call(r.app, 'GET', `/api/v1/approvals/${approvalId}`)).body;
    expect(decided).toMatchObject({ status: 'approved', decided_by: 'local', requested_by: 'alice' });
    expect((await call(r.app, 'GET', `/api/v1/models/${model}/rollout`)).body.status).not.toMatch(/running|paused/);
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  });

  it("shows the version's validation report with each check and the holdout metrics", async () => {
    await page.goto(`${base}/models/${model}/versions/3`);
    const report = page.getByRole('region', { name: 'Validation report' });
    await report.getByTestId('validation-verdict').waitFor(WAIT);
    expect(await report.getByTestId('validation-verdict').innerText()).toMatch(/passed\s*for Production/);
    const recall = report.getByRole('table', { name: 'Validation checks' }).getByRole('row', { name: /recall\.max_drop/ });
    expect(await recall.innerText()).toMatch(/pass.*vs Production v1's/s);
    await report.getByRole('table', { name: 'Holdout metrics' }).getByText('recall').waitFor(WAIT);
    for (const p of screenshotPaths('validation')) await report.screenshot({ path: p });
  });
});
