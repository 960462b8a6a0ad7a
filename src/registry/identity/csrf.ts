// Cross-site request forgery: a browser attaches the session cookie to any request to this server,
// even one a page on another site makes it send (a form post, SameSite=Lax aside for top-level
// navigations). A state-changing request that authenticates by cookie must therefore show it comes
// from our own pages: a same-origin Origin header (browsers send it on every non-GET fetch and form
// post) or the custom header x-stagecraft-csrf (which another site cannot add without CORS).
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';

export const CSRF_HEADER = 'x-stagecraft-csrf';
/** Methods that change nothing (by HTTP's rules and this server's routes): no forgery to fear. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** This server's own origin as the browser sees it. */
export function ownOrigin(request: FastifyRequest, publicUrl: string | null): string {
  return publicUrl ? new URL(publicUrl).origin : `${request.protocol}://${request.host}`;
}

export function crossSiteRefusal(request: FastifyRequest, publicUrl: string | null): AppError | undefined {
  if (SAFE_METHODS.has(request.method) || request.headers[CSRF_HEADER] !== undefined) return undefined;
  const origin = request.headers.origin;
  if (typeof origin === 'string' && origin === ownOrigin(request, publicUrl)) return undefined;
  return new AppError('forbidden', `a change authenticated by the session cookie must come from this server's own pages (Origin ${origin ?? 'missing'}); other clients send "Authorization: Bearer <token>"`);
}
