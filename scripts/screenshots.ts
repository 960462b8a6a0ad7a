// `npx tsx scripts/screenshots.ts`: regenerates the README's UI screenshots in docs/screenshots/ with
// Debian's Chromium (playwright-core, no downloaded browser), on throwaway servers:
//   empty.png   — the first screen of an empty registry (the three first commands);
//   version.png — a version promoted with stand-in files, and the page saying why it does not serve;
//   model.png   — the demo's model page after its traffic and the guard's automatic rollback.
// Every screen is also shot at phone size (390×844) into test-results/screenshots/ for review.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { createClient } from '../sdk/client.js';
import { uploadVersion } from '../sdk/node.js';
import { runDemo } from '../src/cli/demo-command.js';
import { configFromEnv, processEnv } from '../src/config.js';
import { createDeps } from '../src/deps.js';
import { buildServer, configuredExtensions } from '../src/server.js';
import { ensureWebBuilt, launchChromium } from '../test/e2e/browser.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DOCS = path.join(REPO, 'docs', 'screenshots');
const REVIEW = path.join(REPO, 'test-results', 'screenshots');
const DESKTOP = { width: 1400, height: 900 };
const PHONE = { width: 390, height: 844 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One screen at both sizes; `docs` names the desktop shot kept for the README. */
async function shoot(browser: Browser, url: string, name: string, ready: string, docs: boolean): Promise<void> {
  for (const [size, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
    const page = await browser.newPage({ viewport });
    await page.goto(url);
    await page.getByText(ready).first().waitFor({ timeout: 20_000 });
    await sleep(500); // charts lay out after their data arrives
    await page.screenshot({ path: path.join(REVIEW, `${name}-${size}.png`), fullPage: true });
    // A long phone page shrinks to a stripe in an image viewer: also in screen-sized parts.
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    for (let y = 0, part = 1; size === 'phone' && y < height && part <= 4; y += viewport.height, part++) {
      await page.screenshot({ path: path.join(REVIEW, `${name}-${size}-${part}.png`), fullPage: true, clip: { x: 0, y, width: viewport.width, height: Math.min(viewport.height, height - y) } });
    }
    if (docs && size === 'desktop') await page.screenshot({ path: path.join(DOCS, `${name}.png`) });
    await page.close();
  }
}

/** An empty server, then a version whose files nothing can serve, promoted to Production. */
async function emptyAndUnservable(browser: Browser): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecraft-shots-'));
  const deps = await createDeps({ ...configFromEnv(processEnv()), dataDir, databaseUrl: null, host: '127.0.0.1', port: 0, logLevel: 'error' });
  const { app } = await buildServer(deps, configuredExtensions(deps).all());
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    await shoot(browser, url, 'empty', 'serve your first one', true);
    const c = createClient({ url, actor: 'ana' });
    await c.raw('/api/v1/models', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'churn', description: 'churn score' }) });
    const files = path.join(dataDir, 'model-v1');
    fs.mkdirSync(files);
    fs.writeFileSync(path.join(files, 'weights.bin'), 'not a model');
    fs.writeFileSync(path.join(files, 'README.txt'), 'stand-in files');
    await uploadVersion(c, 'churn', files, { label: 'v1.0' });
    // An admin overrides the servable gate. If the gateway already follows "churn", the move's
    // prepare phase refuses it (409, nothing changes); else it lands and the load fails. The page
    // explains either.
    await c
      .raw('/api/v1/models/churn/versions/1/stage/override', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ stage: 'Production', reason: 'stand-in files, to show what the page says' }) })
      .catch((err: unknown) => {
        if ((err as { status?: number }).status !== 409) throw err;
      });
    await shoot(browser, `${url}/models/churn/versions/1`, 'version', 'Not serving', true);
  } finally {
    await app.close();
    await deps.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function demo(browser: Browser): Promise<void> {
  const result = await runDemo({ port: 0, log: () => undefined });
  try {
    await shoot(browser, `${result.url}/models/fraud`, 'model', 'Rolled back Production', true);
    await shoot(browser, `${result.url}/models/fraud/versions/2`, 'demo-version', 'Not serving', false);
    await shoot(browser, result.url, 'models', 'fraud', false);
  } finally {
    await result.close();
  }
}

async function main(): Promise<void> {
  ensureWebBuilt();
  for (const dir of [DOCS, REVIEW]) fs.mkdirSync(dir, { recursive: true });
  const browser = await launchChromium();
  try {
    await emptyAndUnservable(browser);
    await demo(browser);
  } finally {
    await browser.close();
  }
  process.stdout.write(`screenshots in ${path.relative(REPO, DOCS)} (README) and ${path.relative(REPO, REVIEW)} (both sizes)\n`);
}

await main();
