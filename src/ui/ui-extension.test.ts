import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATABASES, tempDir, useRegistry } from '../../test/databases.js';
import { call } from '../../test/http.js';
import { serverExtensions } from '../server.js';
import { defaultWebRoot } from './ui-extension.js';

/** A stand-in build output: the module serves whatever web/dist holds. */
function fakeDist(): string {
  const root = tempDir('stagecraft-web-');
  fs.mkdirSync(path.join(root, 'assets'));
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>Stagecraft</title><div id="root"></div>');
  fs.writeFileSync(path.join(root, 'assets', 'index-abc123.js'), 'console.log("ui")');
  fs.writeFileSync(path.join(root, 'favicon.svg'), '<svg/>');
  return root;
}

describe.each(DATABASES)('web module on %s', (kind) => {
  const r = useRegistry(kind, { extensions: serverExtensions({ ui: { root: fakeDist() } }).pick('ui') });

  it('serves the UI at / and its client-side routes, so a reload of a model page works', async () => {
    for (const url of ['/', '/models', '/models/fraud', '/models/fraud.v2/versions/3?compare=2']) {
      const res = await call(r.app, 'GET', url);
      expect(res.status, url).toBe(200);
      expect(String(res.headers['content-type'])).toContain('text/html');
      expect(String(res.body)).toContain('<div id="root">');
      expect(res.headers['cache-control']).toBe('no-cache');
    }
  });

  it('sends a Content-Security-Policy that forbids framing, and a Referrer-Policy, with the page and its assets', async () => {
    for (const url of ['/', '/models/fraud', '/assets/index-abc123.js', '/nothing-here']) {
      const res = await call(r.app, 'GET', url);
      const csp = String(res.headers['content-security-policy']);
      expect(csp, url).toContain("frame-ancestors 'none'");
      expect(csp, url).toContain("script-src 'self'");
      expect(csp, url).toContain("default-src 'self'");
      expect(res.headers['x-frame-options'], url).toBe('DENY');
      expect(res.headers['referrer-policy'], url).toBe('no-referrer');
    }
  });

  it('serves built assets with long-lived caching (their names carry a content hash)', async () => {
    const res = await call(r.app, 'GET', '/assets/index-abc123.js');
    expect(res.status).toBe(200);
    expect(String(res.headers['cache-control'])).toContain('immutable');
    expect((await call(r.app, 'GET', '/favicon.svg')).status).toBe(200);
  });

  it('keeps JSON 404s for API, gateway and unknown paths instead of answering HTML', async () => {
    for (const url of ['/api/v1/nope', '/v2/models/x', '/invocations', '/assets/missing.js', '/nothing-here']) {
      const res = await call(r.app, 'GET', url);
      expect(res.status, url).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    expect((await call(r.app, 'GET', '/api/v1/health')).status).toBe(200);
  });

  it('never serves files outside the build folder', async () => {
    for (const url of ['/../package.json', '/%2e%2e/package.json', '/assets/..%2f..%2fpackage.json', '/%E0%A4%A']) {
      const res = await call(r.app, 'GET', url);
      // 404, or 400 for a malformed escape: a clear refusal either way, never the file.
      expect([400, 404], url).toContain(res.status);
      expect(JSON.stringify(res.body), url).not.toContain('dependencies');
    }
  });
});

describe('web module without a build', () => {
  const r = useRegistry('sqlite', { extensions: serverExtensions({ ui: { root: tempDir('stagecraft-empty-') } }).pick('ui') });

  it('says how to build the UI instead of failing', async () => {
    const res = await call(r.app, 'GET', '/');
    expect(res.status).toBe(200);
    expect(String(res.body)).toContain('npm run build:web');
  });
});

describe('finding the built UI', () => {
  it('finds web/dist at the package root from src/ and from the compiled dist/, which has its own package.json', () => {
    const root = tempDir('webroot-');
    fs.mkdirSync(path.join(root, 'web'), { recursive: true });
    fs.mkdirSync(path.join(root, 'dist', 'src', 'ui'), { recursive: true });
    fs.mkdirSync(path.join(root, 'src', 'ui'), { recursive: true });
    fs.writeFileSync(path.join(root, 'package.json'), '{}');
    fs.writeFileSync(path.join(root, 'dist', 'package.json'), '{}');
    expect(defaultWebRoot(path.join(root, 'src', 'ui', 'ui-extension.ts'))).toBe(path.join(root, 'web', 'dist'));
    expect(defaultWebRoot(path.join(root, 'dist', 'src', 'ui', 'ui-extension.js'))).toBe(path.join(root, 'web', 'dist'));
  });
});
