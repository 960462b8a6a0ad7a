// Single sign-on in real Chromium against a whole server and a real OpenID Provider: the UI offers
// "Sign in with <issuer>", the provider's login form signs Alice in, the UI shows her name; the
// session lives in an HttpOnly cookie (no token in localStorage); a change she makes is hers in the
// timeline, by display name; sign-out ends the session here and at the issuer; an ended session
// brings the sign-in button back.
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OidcConfig } from '../../src/config.js';
import { serverExtensions } from '../../src/server.js';
import { DATABASES, uniqueName, useRegistry, type Registry } from '../databases.js';
import { oidcConfigFor, startTestProvider, type TestProvider } from '../helpers/oidc-provider.js';
import { ensureWebBuilt, launchChromium, requireChromium, SKIP_E2E } from './browser.js';

const WAIT = { timeout: 15_000 };
let idp: TestProvider;
const oidc = {} as OidcConfig;
const oidcIdle = {} as OidcConfig;

beforeAll(async () => {
  if (SKIP_E2E) return;
  idp = await startTestProvider();
  Object.assign(oidc, oidcConfigFor(idp));
  Object.assign(oidcIdle, oidcConfigFor(idp, { sessionIdleSeconds: 2 }));
});
afterAll(async () => idp?.close());

/** Through the provider's own (development) login form, as a person would. */
async function signInAt(page: Page, login: string): Promise<void> {
  await page.getByRole('link', { name: /^Sign in with 127\.0\.0\.1:\d+$/ }).first().click();
  await page.locator('input[name="login"]').waitFor(WAIT);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
}

function useUiServer(kind: Parameters<typeof useRegistry>[0], config: OidcConfig): Registry & { base: string } {
  const root = SKIP_E2E ? '' : ensureWebBuilt();
  const r = useRegistry(kind, { config: { oidc: config }, extensions: serverExtensions({ ui: { root } }).pick('ui') }) as Registry & { base: string };
  beforeAll(async () => {
    await r.app.listen({ host: '127.0.0.1', port: 0 });
    r.base = `http://127.0.0.1:${(r.app.server.address() as AddressInfo).port}`;
    idp.allowRedirect(r.base);
  });
  return r;
}

describe.skipIf(SKIP_E2E).each(DATABASES)('single sign-on in Chromium on %s', (kind) => {
  const r = useUiServer(kind, oidc);
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    requireChromium();
    browser = await launchChromium();
    context = await browser.newContext(); // a fresh profile: no cookies, no storage
  });
  afterAll(async () => browser?.close());

  it('signs in with the issuer, shows the person, keeps the session in an HttpOnly cookie and no token in localStorage; her change is hers in the timeline; sign-out ends it', async () => {
    const page = await context.newPage();
    await page.goto(`${r.base}/`);
    await signInAt(page, 'alice');
    const header = page.getByRole('banner');
    await header.getByText('Alice Adams').waitFor(WAIT);
    await header.getByRole('button', { name: 'Sign out' }).waitFor(WAIT);

    const session = (await context.cookies(r.base)).find((c) => c.name === 'stagecraft_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(await page.evaluate(() => document.cookie)).not.toContain('stagecraft_session');
    const storage = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
    expect(storage).not.toMatch(/stagecraft\.token|eyJ|sc_/);

    // A change made from the page (same-origin, the cookie travels by itself): the actor is Alice.
    const model = uniqueName('sso-ui');
    const status = await page.evaluate(async (name) => {
      const res = await fetch('/api/v1/models', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
      return res.status;
    }, model);
    expect(status).toBe(201);
    await page.goto(`${r.base}/models/${model}`);
    await page.getByText('by Alice Adams').first().waitFor(WAIT);

    await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
    // The issuer asks to confirm its own sign-out, then sends the browser back here.
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.waitForURL(`${r.base}/`, WAIT);
    await page.getByRole('banner').getByRole('link', { name: /^Sign in with/ }).waitFor(WAIT);
    expect((await context.cookies(r.base)).find((c) => c.name === 'stagecraft_session')).toBeUndefined();
    await page.close();
  });
});

describe.skipIf(SKIP_E2E)('an ended session in Chromium', () => {
  const r = useUiServer('sqlite', oidcIdle);
  let browser: Browser;

  beforeAll(async () => {
    requireChromium();
    browser = await launchChromium();
  });
  afterAll(async () => browser?.close());

  it('shows the sign-in button again once the session has been idle too long', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${r.base}/`);
    await signInAt(page, 'bob');
    await page.getByRole('banner').getByText('Bob Brown').waitFor(WAIT);
    await new Promise((res) => setTimeout(res, 2600));
    await page.reload();
    await page.getByRole('main').getByRole('link', { name: /^Sign in with 127\.0\.0\.1:\d+$/ }).waitFor(WAIT);
    expect(await page.getByRole('banner').getByText('Bob Brown').count()).toBe(0);
    await context.close();
  });
});
