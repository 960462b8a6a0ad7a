// A known MLflow route asked with a method it does not serve: MLflow (Flask's router) answers 405
// with an HTML page and an Allow header, before any JSON handling; OPTIONS lists the methods (204,
// as MLflow 3's server answers). Anything else under the mount is an unknown endpoint (404 in
// MLflow's JSON shape, which the client reads as ENDPOINT_NOT_FOUND). One wildcard route per mount
// answers both, so the UI's catch-all GET never answers for a path under an MLflow mount.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Byte for byte what MLflow 2.17 and 3.x send with a 405. */
export const METHOD_NOT_ALLOWED_HTML =
  '<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed</title>\n<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n';

// The order MLflow 3's server lists them in (HEAD comes with GET).
const ALLOW_ORDER = ['OPTIONS', 'HEAD', 'GET', 'DELETE', 'PATCH', 'PUT', 'POST'];

interface KnownRoute {
  pattern: RegExp;
  methods: Set<string>;
}

function patternOf(url: string): RegExp {
  const body = url
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg === '*' ? '.*' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${body}/?$`);
}

/** The methods served at this path by the routes registered in the plugin, or null if none is. */
function allowedAt(routes: Map<string, KnownRoute>, path: string): string[] | null {
  const methods = new Set<string>();
  for (const r of routes.values()) if (r.pattern.test(path)) for (const m of r.methods) methods.add(m);
  if (methods.size === 0) return null;
  methods.add('OPTIONS');
  if (methods.has('GET')) methods.add('HEAD');
  return ALLOW_ORDER.filter((m) => methods.has(m));
}

/**
 * Registers the 405/OPTIONS/404 answers for one MLflow mount. Call it first in the plugin: it
 * watches the routes registered after it (the RPCs of every feature, whoever adds them).
 */
export function mlflowMethodNotAllowed(app: FastifyInstance): void {
  const routes = new Map<string, KnownRoute>();
  const watch = () => app.addHook('onRoute', (opts) => {
    const methods = Array.isArray(opts.method) ? opts.method : [opts.method];
    const known = routes.get(opts.url) ?? { pattern: patternOf(opts.url), methods: new Set<string>() };
    for (const m of methods) known.methods.add(m.toUpperCase());
    routes.set(opts.url, known);
  });
  const answer = (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0];
    const allow = allowedAt(routes, path);
    if (!allow) {
      return reply
        .status(404)
        .header('content-type', 'application/json')
        .send(JSON.stringify({ error_code: 'ENDPOINT_NOT_FOUND', message: `No API endpoint ${request.method} ${path}` }));
    }
    reply.header('allow', allow.join(', '));
    if (request.method === 'OPTIONS') return reply.status(204).header('content-type', 'text/html; charset=utf-8').send();
    return reply.status(405).header('content-type', 'text/html; charset=utf-8').send(METHOD_NOT_ALLOWED_HTML);
  };
  app.route({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    url: '/*',
    // Public: a 405 or a 404 says no more than MLflow's public API documentation does.
    config: { permission: 'public' },
    schema: { hide: true },
    handler: answer,
  });
  // After the wildcard itself: only the RPCs registered from here on are known routes.
  watch();
}
