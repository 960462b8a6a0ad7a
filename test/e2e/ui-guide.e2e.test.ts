// The UI that guides (issue 19.6), in Chromium against a whole server: an empty registry shows the
// three first commands (copyable), the health charts' range picker changes the charts' time domain,
// and a version page says plainly why the version does not serve.
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fraudModel, FRAUD_V1 } from '../../src/observe/demo-scenario.js';
import { serverExtensions } from '../../src/server.js';
import { DATABASES, uniqueName, useRegistry } from '../databases.js';
import { call, createModel, promote, registerVersion } from '../http.js';
import { feedbackItems, traffic } from '../monitoring-traffic.js';
import { ensureWebBuilt, launchChromium, requireChromium, SKIP_E2E } from './browser.js';

const WAIT = { timeout: 15_000 };
const MINUTE = 60_000;

describe.skipIf(SKIP_E2E).each(DATABASES)('a UI that guides, in Chromium on %s', (kind) => {
  const root = SKIP_E2E ? '' : ensureWebBuilt();
  const ext = serverExtensions({ ui: { root }, observe: { guard: { tickMs: 0 }, retention: { flushMs: 3_600_000 } } });
  const mon = ext.observe;
  const r = useRegistry(kind, { extensions: ext.pick('ui', 'serving', 'observe') });
  let browser: Browser;
  let context: BrowserContext;
  let base: string;

  const open = async (path: string, viewport = { width: 1400, height: 900 }): Promise<Page> => {
    const page = await context.newPage();
    await page.setViewportSize(viewport);
    await page.goto(`${base}${path}`);
    return page;
  };

  beforeAll(async () => {
    requireChromium();
    await r.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(r.app.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
    context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
  });

  afterAll(async () => {
    await browser?.close();
  });

  // First: the registry is still empty.
  it('shows an empty registry the three commands to register, promote and serve a first model, copyable', async () => {
    const page = await open('/');
    const guide = page.getByRole('region', { name: /serve your first one in three steps/ });
    await guide.waitFor(WAIT);
    const steps = await guide.locator('pre').allInnerTexts();
    expect(steps).toHaveLength(3);
    expect(steps[0]).toContain(`stagecraft --url ${base} models create`);
    expect(steps[0]).toContain('versions create');
    expect(steps[1]).toContain('transition-version');
    expect(steps[1]).toContain('--stage Production');
    expect(steps[2]).toContain(`curl -X POST '${base}/v1/models/`);
    expect(await page.getByRole('list', { name: 'Models' }).isVisible()).toBe(false);
    await guide.getByRole('button', { name: /Copy: Step 2/ }).click();
    await guide.getByRole('button', { name: /^Copied: Step 2/ }).waitFor(WAIT);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(steps[1]);
    // A phone keeps every command on screen: nothing wider than the viewport.
    const phone = await open('/', { width: 390, height: 844 });
    await phone.getByRole('region', { name: /three steps/ }).waitFor(WAIT);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await Promise.all([page.close(), phone.close()]);
  });

  it('changes the charts’ time domain with the range picker; by default it zooms to the last activity', async () => {
    const model = uniqueName('ranged');
    await createModel(r.app, model);
    await registerVersion(r.app, model, { 'model.onnx': fraudModel(FRAUD_V1, `${model} v1`) });
    await promote(r.app, model, 1);
    const xs = traffic({ model, version: 1, n: 120, start: Date.now() - 30_000, spacingMs: 200, recall: 0.9, seed: 7, latencyMs: 3 });
    for (const x of xs) mon.observer.observe(x.obs);
    await mon.writer!.flush();
    expect((await call(r.app, 'POST', `/api/v1/models/${model}/feedback`, { items: feedbackItems(xs) })).status).toBe(200);
    const page = await open(`/models/${model}`);
    const health = page.getByRole('region', { name: 'Health' });
    const recall = health.getByRole('figure', { name: 'Recall' });
    await recall.locator('.recharts-line-dots circle').first().waitFor(WAIT);
    const span = async () => {
      const [from, to] = await Promise.all([recall.getAttribute('data-domain-from'), recall.getAttribute('data-domain-to')]);
      return Number(to) - Number(from);
    };
    // Auto: 30 s of traffic fills most of a chart about a minute wide, not a sliver of an hour.
    expect(await span()).toBeLessThan(5 * MINUTE);
    expect(await health.getByRole('radio', { name: 'Last activity' }).getAttribute('aria-checked')).toBe('true');
    for (const [name, ms] of [['1 h', 60 * MINUTE], ['24 h', 24 * 60 * MINUTE], ['15 min', 15 * MINUTE]] as const) {
      await health.getByRole('radio', { name }).click();
      await expect.poll(span, WAIT).toBe(ms);
      expect(await health.getByRole('radio', { name }).getAttribute('aria-checked')).toBe('true');
    }
    await health.getByRole('radio', { name: 'Last activity' }).click();
    await expect.poll(span, WAIT).toBeLessThan(5 * MINUTE);
    await page.close();
  });

  it('says plainly why a version does not serve: nothing servable in its files, the gateway’s reason, not in a served stage', async () => {
    const model = uniqueName('standin');
    await createModel(r.app, model);
    await registerVersion(r.app, model, { 'weights.bin': `not a model ${model}` });
    await registerVersion(r.app, model, { 'model.onnx': fraudModel(FRAUD_V1, `${model} v2`) });
    // Without the promotion gates the move goes ahead, or the gateway's prepare phase refuses it
    // (409) when it already follows the model: the page must explain either.
    const moved = await promote(r.app, model, 1);
    expect([200, 409]).toContain(moved.status);
    const page = await open(`/models/${model}/versions/1`);
    const verdict = page.getByTestId('serving-verdict');
    await verdict.getByRole('heading', { name: 'Not serving' }).waitFor(WAIT);
    await verdict.getByText(/nothing servable in its files \(weights\.bin\)/).waitFor(WAIT);
    // The gateway's own words: its failed load, or its refusal to prepare the move.
    await verdict.getByText(moved.status === 200 ? /could not load it: .*not servable here/ : /could not prepare it/).waitFor(WAIT);

    // A servable version outside the served stage: says where it is and the command that serves it.
    const other = await open(`/models/${model}/versions/2`);
    const v2 = other.getByTestId('serving-verdict');
    await v2.getByText(/Gateways serve Production, which holds (v1|no version); this version is in no stage/).waitFor(WAIT);
    expect(await v2.locator('code').innerText()).toBe(`stagecraft models transition-version --model-name ${model} --version 2 --stage Production`);
    await Promise.all([page.close(), other.close()]);
  });
});
