// Serves the built web UI (web/dist) at `/`. Only @fastify/static's sendFile is used, behind one
// catch-all route of our own: that route declares its permission like every other route, and any
// path that is not a file falls back to index.html so client-side routes survive a reload.
// The files are public; the data behind them is protected by the API they call.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { Extension } from '../extension.js';
import type { App } from '../http/app-types.js';
import { notFound } from '../errors.js';

export interface WebOptions {
  /** Directory holding index.html and assets/; defaults to <package root>/web/dist. */
  root?: string;
}

/**
 * Walks up from this file to the package root: works from src/ (tsx) and dist/src/ (node). The root
 * is the folder with package.json *and* web/ — tsc also copies package.json into dist/.
 */
export function defaultWebRoot(fromFile = fileURLToPath(import.meta.url)): string {
  let dir = path.dirname(fromFile);
  for (let i = 0; i < 8; i++) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'web'))) return path.join(dir, 'web', 'dist');
    dir = path.dirname(dir);
  }
  return path.resolve('web', 'dist');
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Stagecraft</title></head>
<body><main><h1>Stagecraft</h1><p>The web UI is not built. Run <code>npm run build:web</code> (or <code>npm start</code>),
then reload. The API is at <a href="/openapi.json">/openapi.json</a>.</p></main></body></html>`;

/** Client-side routes of the SPA. Everything else that is not a built file keeps the JSON 404,
 * so API clients (and the gateway's /v1, /v2, /invocations paths) never get HTML by mistake. */
function isUiRoute(url: string): boolean {
  return url === '/' || url === '/models' || url.startsWith('/models/') || url.startsWith('/logged-models/');
}

function safeDecode(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw notFound(`no file ${raw}`);
  }
}

/**
 * Sent with every answer of the UI route. The built UI loads only its own files and talks only to
 * its own origin, so everything else is refused: injected markup cannot run script or send data
 * elsewhere, and no other site may frame the UI to trick a click on "Roll back".
 * (React sets element styles through the CSSOM, which style-src does not restrict.)
 */
export const UI_SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  // For browsers that predate frame-ancestors.
  'x-frame-options': 'DENY',
  // Model names and versions in UI paths stay on this server.
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

export function uiExtension(opts: WebOptions = {}): Extension {
  return { name: 'ui', routes: (app) => uiRoutes(app, opts) };
}

async function uiRoutes(app: App, opts: WebOptions): Promise<void> {
  const root = path.resolve(opts.root ?? defaultWebRoot());
  await app.register(fastifyStatic, { root, serve: false });
  app.get(
    '/*',
    { config: { permission: 'public' }, schema: { hide: true } },
    async (req, reply) => {
      // Before anything can throw: a 404 from this route carries them too.
      reply.headers(UI_SECURITY_HEADERS);
      const url = safeDecode(req.url.split('?')[0]);
      const built = fs.existsSync(path.join(root, 'index.html'));
      const rel = url.replace(/^\/+/, '');
      // path.resolve + prefix check: "/../x" can never leave the root (send() checks as well).
      const file = path.resolve(root, rel);
      const isFile = built && rel !== '' && file.startsWith(root + path.sep) && fs.statSync(file, { throwIfNoEntry: false })?.isFile();
      if (isFile) {
        // Vite names assets by content hash, so they never change under the same name.
        const immutable = rel.startsWith('assets/');
        return reply.sendFile(rel, { maxAge: immutable ? '1y' : 0, immutable });
      }
      if (!isUiRoute(url)) throw notFound(`no route ${req.method} ${url}`);
      if (!built) return reply.type('text/html').send(NOT_BUILT);
      // Always revalidate the page itself, so a new build is picked up on the next load.
      reply.header('cache-control', 'no-cache');
      return reply.sendFile('index.html', { cacheControl: false });
    },
  );
}
