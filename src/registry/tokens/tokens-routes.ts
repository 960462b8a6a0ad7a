// /api/v1/tokens: minting (a role at most the creator's), listing, revoking and rotating tokens, and
// whoami for clients. Admins manage every token; anyone else the tokens they created.
import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { App } from '../../http/app-types.js';
import { actorOf, requestMay, type OpenModeCache } from './auth.js';
import { errorResponses, Nullable } from '../../http/common-schemas.js';
import type { Deps } from '../deps.js';
import { ceilingFrom, createToken, revoke, rotateToken, tokensList, type TokenManager } from './tokens-service.js';
import { ROLES } from './tokens.js';

const tags = ['tokens'];

const ExpiresIn = Type.Optional(Type.String({ description: 'how long it works: 30d, 12h, 2w, or never (admins); default: the server\'s --token-ttl (90d)' }));
const Minted = Type.Object({ name: Type.String(), role: Type.String(), token: Type.String(), expires_at: Nullable(Type.String()) });
const NameParams = Type.Object({ name: Type.String() });
const Whoami = Type.Object({
  name: Type.String(),
  /** The role on everything: a token's own, raised by grants on `*` (a person's comes from those alone; null: none). */
  role: Nullable(Type.String()),
  open: Type.Boolean(),
  model: Type.Optional(Type.String()),
  model_role: Type.Optional(Nullable(Type.String({ description: "the caller's effective role on `model` (per-model grants applied)" }))),
});

function manager(req: FastifyRequest): TokenManager {
  return { actor: actorOf(req), ceiling: ceilingFrom((p) => requestMay(req, p)) };
}

export function tokensRoutes(app: App, deps: Deps, openMode: OpenModeCache): void {
  app.post(
    '/api/v1/tokens',
    {
      config: { permission: 'read' },
      schema: {
        tags,
        summary: 'Create an API token (shown once) with at most your own role',
        body: Type.Object({ name: Type.String(), role: Type.Union(ROLES.map((r) => Type.Literal(r))), expires_in: ExpiresIn }, { additionalProperties: false }),
        response: { 201: Minted, ...errorResponses },
      },
    },
    async (req, reply) => {
      const created = await createToken(deps, manager(req), req.body.name, req.body.role, req.body.expires_in);
      // From the first token on, this server requires tokens.
      openMode.invalidate();
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/api/v1/tokens',
    {
      config: { permission: 'read' },
      schema: {
        tags,
        summary: 'List tokens (never their secrets): every one for an admin, the ones you created otherwise',
        response: {
          200: Type.Object({
            tokens: Type.Array(
              Type.Object({
                name: Type.String(),
                role: Type.String(),
                created_by: Type.String(),
                created_at: Type.String(),
                revoked: Type.Boolean(),
                expires_at: Nullable(Type.String()),
                expired: Type.Boolean(),
                last_used_at: Nullable(Type.String({ description: 'to the minute: uses are recorded at most once a minute per token' })),
                rotated_at: Nullable(Type.String()),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => ({ tokens: await tokensList(deps, manager(req)) }),
  );

  app.delete(
    '/api/v1/tokens/:name',
    { config: { permission: 'read' }, schema: { tags, summary: 'Revoke a token at once', params: NameParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      await revoke(deps, manager(req), req.params.name);
      openMode.invalidate();
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/tokens/:name/rotate',
    {
      config: { permission: 'read' },
      schema: {
        tags,
        summary: 'A new secret for a token (shown once), same name and role; the old secret stops working at once',
        params: NameParams,
        body: Type.Optional(Type.Object({ expires_in: ExpiresIn }, { additionalProperties: false })),
        response: { 200: Minted, ...errorResponses },
      },
    },
    async (req) => {
      const rotated = await rotateToken(deps, manager(req), req.params.name, req.body?.expires_in);
      openMode.invalidate();
      return rotated;
    },
  );

  app.get(
    '/api/v1/whoami',
    {
      // Anyone who may see some model (a person whose only access is per-model grants included).
      // With ?model=NAME the grants check that model as on any per-model route (a model the caller
      // may not read answers 404, like a missing one), so clients (the UI's action buttons) learn the
      // caller's effective role there instead of guessing from the global one.
      config: { permission: 'read', model: { list: true, query: 'model' } },
      schema: {
        tags,
        summary: 'The principal this request acts as, and with ?model=NAME its effective role on that model',
        querystring: Type.Object({ model: Type.Optional(Type.String({ description: 'a model name: answer model_role, the role the grants give on it' })) }),
        response: { 200: Whoami, ...errorResponses },
      },
    },
    async (req) => {
      const principal = req.principal!;
      // The global role as the grants make it (a `*` grant counts), so clients show what it allows.
      const p = { ...principal, role: principal.open ? principal.role : req.server.globalRoleOf(principal) };
      const model = req.query.model;
      if (model === undefined) return p;
      // The preHandler resolved modelRole for this name; open mode skips the check: everything.
      return { ...p, model, model_role: p.open ? 'admin' : (req.modelRole ?? null) };
    },
  );
}
