// Real Chromium for end-to-end tests: Debian's /usr/bin/chromium driven by playwright-core, never a
// downloaded browser. Like PostgreSQL, Chromium is optional on a developer's machine (the suite skips
// these tests without it) and required in CI (STAGECRAFT_REQUIRE_E2E=1: missing = failure).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.STAGECRAFT_CHROMIUM ?? '/usr/bin/chromium';
const REQUIRE_E2E = process.env.STAGECRAFT_REQUIRE_E2E === '1';
export const SKIP_E2E = process.env.STAGECRAFT_SKIP_E2E === '1' || (!REQUIRE_E2E && !fs.existsSync(CHROMIUM));
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function requireChromium(): void {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) or unset STAGECRAFT_REQUIRE_E2E to skip the e2e tests`);
  }
}

/** Builds web/dist unless it is already newer than web/src (the same script `npm start` runs). */
export function ensureWebBuilt(): string {
  execFileSync(process.execPath, [path.join(REPO, 'web', 'build-if-needed.mjs')], { stdio: 'pipe' });
  return path.join(REPO, 'web', 'dist');
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Screenshots go to test-results/e2e for review; the README's come from scripts/screenshots.ts. */
export function screenshotPaths(name: string): string[] {
  const out = [path.join(REPO, 'test-results', 'e2e', `screenshot-${name}.png`)];
  for (const p of out) fs.mkdirSync(path.dirname(p), { recursive: true });
  return out;
}
