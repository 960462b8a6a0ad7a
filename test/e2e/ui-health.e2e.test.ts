// The model page of a whole server (web UI, embedded gateway, monitoring and guard) in Chromium:
// health charts drawn from real monitoring data with the policy's thresholds, the replica's serving
// state, and an automatic rollback by the guard appearing live — marked automatic — without a reload.
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fraudModel, FRAUD_V1, FRAUD_V2 } from '../../src/observe/demo-scenario.js';
import { serverExtensions } from '../../src/server.js';
import { DATABASES, uniqueName, useRegistry } from '../databases.js';
import { call, createModel, promote, registerVersion } from '../http.js';
import { feedbackItems, traffic } from '../monitoring-traffic.js';
import { ensureWebBuilt, launchChromium, requireChromium, screenshotPaths, SKIP_E2E } from './browser.js';

const WAIT = { timeout: 15_000 };
const MINUTE = 60_000;

describe.skipIf(SKIP_E2E).each(DATABASES)('model health in Chromium on %s', (kind) => {
  const root = SKIP_E2E ? '' : ensureWebBuilt();
  // The guard is driven by tick() so the rollback happens exactly when the test says.
  const ext = serverExtensions({ ui: { root }, observe: { guard: { tickMs: 0 }, retention: { flushMs: 3_600_000 } } });
  const mon = ext.observe;
  const r = useRegistry(kind, { extensions: ext.pick('ui', 'serving', 'observe') });
  const model = uniqueName('card-fraud');
  let browser: Browser;
  let page: Page;
  let base: string;

  async function observe(version: number, fromMinutesAgo: number, toMinutesAgo: number, recall: number, seed: number) {
    const n = 400;
    const start = Date.now() - fromMinutesAgo * MINUTE;
    const xs = traffic({ model, version, n, start, spacingMs: ((fromMinutesAgo - toMinutesAgo) * MINUTE) / n, recall, seed, latencyMs: 4 + version });
    for (const x of xs) mon.observer.observe(x.obs);
    await mon.writer!.flush();
    const fb = await call(r.app, 'POST', `/api/v1/models/${model}/feedback`, { items: feedbackItems(xs) });
    expect(fb.status).toBe(200);
  }

  beforeAll(async () => {
    requireChromium();
    await r.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(r.app.server.address() as AddressInfo).port}`;
    await createModel(r.app, model);
    await call(r.app, 'PATCH', `/api/v1/models/${model}`, { description: 'Card fraud score, guarded by a recall policy' });
    await registerVersion(r.app, model, { 'model.onnx': fraudModel(FRAUD_V1, `${model} v1`) }, { label: 'baseline', metrics: { recall: 0.93 } });
    await registerVersion(r.app, model, { 'model.onnx': fraudModel(FRAUD_V2, `${model} v2`) }, { label: 'compact', metrics: { recall: 0.91 } });
    await promote(r.app, model, 1);
    await call(r.app, 'POST', `/api/v1/models/${model}/versions/1/health`, { health: 'stable', reason: 'two weeks in production' });
    const policy = await call(r.app, 'PUT', `/api/v1/models/${model}/policy`, {
      interval_seconds: 10,
      watch_minutes: 60,
      rules: [
        { metric: 'recall', threshold: 0.5, positive_label: 1, min: 0.8, min_samples: 100, window_seconds: 600, action: 'rollback' },
        { metric: 'error_rate', max: 0.05, min_samples: 50, window_seconds: 600 },
      ],
    });
    expect(policy.status).toBe(200);
    await observe(1, 50, 21, 0.95, 11);
    await call(r.app, 'POST', `/api/v1/models/${model}/versions/2/stage`, { stage: 'Production', archive_existing_versions: true, reason: 'smaller, same offline recall' }, { 'stagecraft-actor': 'dana' });
    await observe(2, 20, 1, 0.3, 12);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('draws per-version health charts with the policy threshold and the gateway replica', async () => {
    await page.goto(`${base}/models/${model}`);
    const health = page.getByRole('region', { name: 'Health' });
    await health.getByRole('figure', { name: 'Recall' }).locator('.recharts-line').first().waitFor(WAIT);
    // One line per version, and the policy's recall floor as a reference line.
    expect(await health.getByRole('figure', { name: 'Recall' }).locator('.recharts-line').count()).toBe(2);
    await health.getByRole('figure', { name: 'Recall' }).getByText('limit 0.8').waitFor(WAIT);
    const servingCard = page.getByRole('region', { name: 'Serving' });
    await servingCard.getByText('serving').first().waitFor(WAIT);
    expect(await page.getByTestId('production-version').innerText()).toBe('v2');
  });

  it('draws traffic that all fell within a minute (a demo, a quiet model) as points, with rates on a 0–1 axis', async () => {
    const quiet = uniqueName('quiet-fraud');
    await createModel(r.app, quiet);
    await registerVersion(r.app, quiet, { 'model.onnx': fraudModel(FRAUD_V1, `${quiet} v1`) });
    await promote(r.app, quiet, 1);
    const xs = traffic({ model: quiet, version: 1, n: 120, start: Date.now() - 20_000, spacingMs: 100, recall: 0.9, seed: 5, latencyMs: 3 });
    for (const x of xs) mon.observer.observe(x.obs);
    await mon.writer!.flush();
    expect((await call(r.app, 'POST', `/api/v1/models/${quiet}/feedback`, { items: feedbackItems(xs) })).status).toBe(200);
    const quietPage = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    await quietPage.goto(`${base}/models/${quiet}`);
    const health = quietPage.getByRole('region', { name: 'Health' });
    // A line through one or two points draws nothing: each point is a dot.
    for (const name of ['Recall', 'Latency p99 (ms)']) await health.getByRole('figure', { name }).locator('.recharts-line-dots circle').first().waitFor(WAIT);
    const ticks = await health.getByRole('figure', { name: 'Recall' }).locator('.recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value').allTextContents();
    expect([ticks[0], ticks.at(-1)]).toEqual(['0', '1']);
    await quietPage.close();
  });

  it("shows the guard's automatic rollback live, on the charts and in the timeline", async () => {
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    const report = await mon.guard!.tick(Date.now());
    expect(report.rollbacks).toEqual([expect.objectContaining({ model, from_version: 2, to_version: 1 })]);
    await page.getByTestId('production-version').filter({ hasText: 'v1' }).waitFor(WAIT);
    const timeline = page.getByRole('region', { name: 'Timeline' });
    await timeline.getByText('Rolled back Production: v2 → v1').waitFor(WAIT);
    const item = timeline.getByRole('listitem').filter({ hasText: 'Rolled back Production: v2 → v1' });
    expect(await item.innerText()).toContain('automatic');
    expect(await item.innerText()).toContain('by guard');
    await page.getByRole('region', { name: 'Health' }).getByText('↩ v1').first().waitFor(WAIT);
    await page.getByRole('region', { name: 'Serving' }).getByText('all replicas converged').waitFor(WAIT);
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    for (const p of screenshotPaths('model')) await page.screenshot({ path: p, fullPage: true });
  });
});
