// The UI's single sign-on, run by the server: /auth/login sends the browser to the issuer,
// /auth/callback makes the session, /auth/logout ends it; /auth/config tells the UI whether to
// offer "Sign in with …" and who is signed in. Every one is public: they are how one gets in.
import { Type } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorResponses } from '../../http/common-schemas.js';
import type { App } from '../../http/app-types.js';
import type { Deps } from '../deps.js';
import { cookieHeader, LOGIN_COOKIE, readCookie, SESSION_COOKIE } from './cookies.js';
import { crossSiteRefusal, ownOrigin } from './csrf.js';
import type { Identity } from './identity.js';
import { endSession, finishLogin, LOGIN_TTL_MS, startLogin } from './sessions-service.js';
import { listPeople } from './sessions-store.js';

const tags = ['auth'];

const Person = Type.Object({
  name: Type.String(),
  subject: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  display_name: Type.Union([Type.String(), Type.Null()]),
  groups: Type.Array(Type.String()),
});

/** Only a path on this server: never an absolute URL (an open redirect would help phishing). */
const safeReturn = (to: unknown) => (typeof to === 'string' && /^\/(?![/\\])/.test(to) ? to : '/');

export function authRoutes(app: App, deps: Deps, identity: Identity | null): void {
  app.get(
    '/auth/config',
    {
      config: { permission: 'public' },
      schema: {
        tags,
        summary: 'Whether this server offers single sign-on, and who this browser is signed in as',
        response: { 200: Type.Object({ oidc: Type.Union([Type.Object({ issuer: Type.String(), login_url: Type.String() }), Type.Null()]), user: Type.Union([Person, Type.Null()]) }) },
      },
    },
    async (req) => {
      // Without a client secret the server cannot finish a sign-in: SSO serves the API only, and the UI asks for a token.
      if (!identity?.config.clientSecret) return { oidc: null, user: null };
      // The auth hook already resolved the session cookie (or a bearer JWT) into the principal.
      const p = req.principal;
      return {
        oidc: { issuer: identity.config.issuer, login_url: '/auth/login' },
        user: p?.kind === 'user' ? { name: p.name, subject: p.subject ?? p.name, email: p.email ?? null, display_name: p.displayName ?? null, groups: [...p.groups] } : null,
      };
    },
  );

  app.get(
    '/api/v1/people',
    {
      config: { permission: 'read' },
      schema: {
        tags,
        summary: 'People seen through single sign-on (the UI shows an event actor by display name)',
        response: { 200: Type.Object({ people: Type.Array(Type.Object({ subject: Type.String(), name: Type.String(), email: Type.Union([Type.String(), Type.Null()]), display_name: Type.Union([Type.String(), Type.Null()]), last_seen_at: Type.String() })) }), ...errorResponses },
      },
    },
    async () => ({ people: (await listPeople(deps.db)).map((p) => ({ ...p, last_seen_at: new Date(p.last_seen_at).toISOString() })) }),
  );

  if (!identity) return;
  const base = (req: FastifyRequest) => identity.config.publicUrl ?? ownOrigin(req, null);
  const secure = (req: FastifyRequest) => base(req).startsWith('https:');

  app.get(
    '/auth/login',
    { config: { permission: 'public' }, schema: { hide: true, querystring: Type.Object({ return_to: Type.Optional(Type.String()) }) } },
    async (req, reply) => {
      const { loginId, url } = await startLogin(deps, identity.issuer(), `${base(req)}/auth/callback`, safeReturn(req.query.return_to));
      reply.header('set-cookie', cookieHeader(LOGIN_COOKIE, loginId, { maxAge: LOGIN_TTL_MS / 1000, secure: secure(req), path: '/auth' }));
      return reply.redirect(url, 302);
    },
  );

  app.get(
    '/auth/callback',
    {
      config: { permission: 'public' },
      schema: {
        hide: true,
        querystring: Type.Object({ code: Type.Optional(Type.String()), state: Type.Optional(Type.String()), error: Type.Optional(Type.String()), error_description: Type.Optional(Type.String()) }),
      },
    },
    async (req, reply) => {
      const loginId = readCookie(req.headers, LOGIN_COOKIE);
      const done = await finishLogin(deps, identity.issuer(), loginId, req.query);
      reply.header('set-cookie', [
        cookieHeader(LOGIN_COOKIE, '', { maxAge: 0, secure: secure(req), path: '/auth' }),
        cookieHeader(SESSION_COOKIE, done.sessionId, { maxAge: done.maxAgeSeconds, secure: secure(req) }),
      ]);
      req.log.info({ subject: done.person.subject, name: done.person.name }, 'signed in with OIDC');
      return reply.redirect(done.returnTo, 302);
    },
  );

  app.post(
    '/auth/logout',
    { config: { permission: 'public' }, schema: { hide: true } },
    async (req: FastifyRequest, reply: FastifyReply) => {
      const refused = crossSiteRefusal(req, identity.config.publicUrl);
      if (refused) throw refused;
      const hash = identity.sessionHash(req.headers);
      if (hash) {
        await endSession(deps, hash);
        identity.forgetSession(hash);
      }
      reply.header('set-cookie', cookieHeader(SESSION_COOKIE, '', { maxAge: 0, secure: secure(req) }));
      // Also end the session at the issuer when it offers that; else the next sign-in is silent.
      const end = identity.issuer().endpoints.end_session_endpoint;
      const redirect = end
        ? `${end}?${new URLSearchParams({ client_id: identity.config.clientId, post_logout_redirect_uri: `${base(req)}/` }).toString()}`
        : '/';
      const wantsJson = (req.headers.accept ?? '').includes('application/json');
      return wantsJson ? reply.send({ redirect }) : reply.redirect(redirect, 303);
    },
  );
}
