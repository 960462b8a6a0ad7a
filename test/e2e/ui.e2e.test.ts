// The web UI in real Chromium against a real server (buildApp + the web module on 127.0.0.1:0):
// open the list, open a model, roll back through the dialog with a reason, see the reason in the
// timeline and the new Production version; then a rollback done through the API shows up without
// a reload; a version registered from an MLflow 3 logged model shows that model and links to it.
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, uniqueName, useRegistry } from '../databases.js';
import { call } from '../http.js';
import { ensureWebBuilt, launchChromium, requireChromium, screenshotPaths, SKIP_E2E } from './browser.js';
import { seedModel, seedNeighbours } from './seed.js';
import { seedLoggedModelVersion } from '../logged-model-seed.js';
import { serverExtensions } from '../../src/server.js';

const WAIT = { timeout: 10_000 };

async function shot(page: Page, name: string) {
  for (const p of screenshotPaths(name)) await page.screenshot({ path: p, fullPage: !['models', 'rollback-dialog'].includes(name) });
}

describe.skipIf(SKIP_E2E).each(DATABASES)('web UI in Chromium on %s', (kind) => {
  const root = SKIP_E2E ? '' : ensureWebBuilt();
  const ext = serverExtensions({ ui: { root } });
  const r = useRegistry(kind, { extensions: ext.pick('ui', 'mlflow') });
  let browser: Browser;
  let page: Page;
  let base: string;
  /** What the browser refused under the UI's Content-Security-Policy: nothing the UI needs. */
  const blocked: string[] = [];
  const model = uniqueName('fraud-detector');

  beforeAll(async () => {
    requireChromium();
    await r.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(r.app.server.address() as AddressInfo).port}`;
    await seedNeighbours(r.app, `${model.slice(0, 5)}-`);
    await seedModel(r.app, model);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) blocked.push(m.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('lists models with their Production version and finds one by search', async () => {
    await page.goto(`${base}/`);
    const list = page.getByRole('list', { name: 'Models' });
    await list.getByRole('link', { name: model }).waitFor(WAIT);
    await page.getByText('Live', { exact: true }).waitFor(WAIT);
    await shot(page, 'models');
    await page.getByLabel('Search models').fill(model.slice(0, 12));
    await page.waitForFunction((n) => document.querySelectorAll('[aria-label="Models"] li').length === 1 && document.body.innerText.includes(n), model, WAIT);
    const row = list.getByRole('listitem').first();
    expect(await row.innerText()).toContain('Production v3');
  });

  it('opens a model and shows versions, serving state and the timeline', async () => {
    await page.getByRole('link', { name: model }).click();
    await page.getByRole('heading', { level: 1, name: model }).waitFor(WAIT);
    expect(await page.getByTestId('production-version').innerText()).toBe('v3');
    const versions = page.getByRole('region', { name: 'Versions' });
    await versions.getByRole('link', { name: 'v1' }).waitFor(WAIT);
    expect(await versions.getByRole('row').count()).toBe(4);
    const timeline = page.getByRole('region', { name: 'Timeline' });
    await timeline.getByText('new device features').first().waitFor(WAIT);
    await page.getByText('No gateway reporting.').waitFor(WAIT);
    await shot(page, 'model-versions');
  });

  it('rolls back through a labelled dialog that names the target version and requires a reason', async () => {
    await page.getByRole('button', { name: 'Roll back…' }).click();
    const dialog = page.getByRole('dialog', { name: `Roll back ${model}` });
    await dialog.waitFor(WAIT);
    await dialog.getByTestId('rollback-plan').waitFor(WAIT);
    expect(await dialog.getByTestId('rollback-plan').innerText()).toContain('v3 back to v2');
    // Focus starts in the reason field; Esc closes without changing anything.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('rollback-reason');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached', ...WAIT });
    expect(await page.getByTestId('production-version').innerText()).toBe('v3');
    // Focus goes back to the button that opened it, so keyboard users keep their place.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Roll back…');

    await page.getByRole('button', { name: 'Roll back…' }).click();
    await dialog.getByTestId('rollback-plan').waitFor(WAIT);
    await dialog.getByLabel('Reason (required)').fill('recall dropped 6 points after the 14:00 deploy');
    await shot(page, 'rollback-dialog');
    await dialog.getByRole('button', { name: 'Roll back to v2' }).click();
    await dialog.waitFor({ state: 'detached', ...WAIT });
    await page.getByTestId('production-version').filter({ hasText: 'v2' }).waitFor(WAIT);
    // The notice says what the fleet did (prepare, commit, confirm); this registry runs no gateway.
    await page.getByRole('status').filter({ hasText: 'Rolled back Production from v3 to v2. No gateway serves it.' }).waitFor(WAIT);
    const timeline = page.getByRole('region', { name: 'Timeline' });
    await timeline.getByText('recall dropped 6 points after the 14:00 deploy').first().waitFor(WAIT);
    await timeline.getByText('Rolled back Production: v3 → v2').waitFor(WAIT);
    const server = (await call(r.app, 'GET', `/api/v1/models/${model}`)).body;
    expect(server.stages.Production).toBe(2);
    expect(server.last_event.actor).toBe('local');
  });

  it('shows a rollback done elsewhere without a reload', async () => {
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    const res = await call(r.app, 'POST', `/api/v1/models/${model}/rollback`, { reason: 'guard: error rate above 5%', from_version: 2 }, { 'stagecraft-actor': 'guard' });
    expect(res.body).toMatchObject({ from_version: 2, to_version: 1 });
    await page.getByTestId('production-version').filter({ hasText: 'v1' }).waitFor(WAIT);
    const timeline = page.getByRole('region', { name: 'Timeline' });
    await timeline.getByText('guard: error rate above 5%').first().waitFor(WAIT);
    expect(await timeline.getByText('automatic').count()).toBeGreaterThan(0);
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await shot(page, 'model-after-rollback');
  });

  it('shows a version with artifacts, lineage and a compare view, and refuses with the server message', async () => {
    await page.goto(`${base}/models/${model}/versions/3?compare=2`);
    await page.getByRole('heading', { level: 1 }).filter({ hasText: 'v3' }).waitFor(WAIT);
    await page.getByRole('region', { name: 'Artifacts' }).getByText('model.onnx').waitFor(WAIT);
    const compare = page.getByRole('region', { name: 'Compare' });
    await compare.getByRole('table', { name: 'Metrics' }).getByText('recall').waitFor(WAIT);
    await compare.getByRole('table', { name: 'Params' }).getByText('features').waitFor(WAIT);
    await shot(page, 'version');
    // Moving the failed v3 back into Production is refused by the server; its message is shown.
    await page.getByLabel('Move to stage').selectOption('Production');
    await page.getByRole('button', { name: 'Change stage' }).click();
    await page.getByRole('alert').waitFor(WAIT);
    expect((await page.getByRole('alert').innerText()).length).toBeGreaterThan(10);
  });

  it('shows the logged model a version was registered from (through the MLflow 3 REST API), and opens its page', async () => {
    const name = uniqueName('churn-lm');
    const lm = await seedLoggedModelVersion(r.app, name, 'sklearn-model');
    await page.goto(`${base}/models/${name}/versions/${lm.version}`);
    const panel = page.getByRole('region', { name: 'Logged model' });
    await panel.getByText(lm.modelId, { exact: true }).waitFor(WAIT);
    expect(await panel.innerText()).toContain(lm.runId);
    await panel.getByRole('table', { name: 'Params' }).getByText('max_iter').waitFor(WAIT);
    await panel.getByRole('table', { name: 'Metrics' }).getByText('accuracy').waitFor(WAIT);
    await shot(page, 'version-logged-model');
    await panel.getByRole('link', { name: `Open logged model ${lm.modelId}` }).click();
    await page.getByRole('heading', { level: 1 }).filter({ hasText: 'Logged model sklearn-model' }).waitFor(WAIT);
    // A reload of the logged model's own address is served the UI, not the API's JSON 404.
    await page.reload();
    await page.getByRole('region', { name: 'Files' }).getByText('MLmodel', { exact: true }).waitFor(WAIT);
    await page.getByRole('region', { name: 'Registered versions' }).getByRole('link', { name: `${name} v${lm.version}` }).waitFor(WAIT);
  });

  it('runs under its Content-Security-Policy without the browser blocking anything', () => {
    expect(blocked).toEqual([]);
  });
});
