// /api/v1/tokens: admin-only token management, and whoami for clients.
import { Type } from 'typebox';
import type { App } from '../../http/app-types.js';
import { actorOf, type OpenModeCache } from './auth.js';
import { errorResponses } from '../../http/common-schemas.js';
import type { Deps } from '../deps.js';
import { createToken, revoke, tokensList } from './tokens-service.js';
import { ROLES } from './tokens.js';

const tags = ['tokens'];

export function tokensRoutes(app: App, deps: Deps, openMode: OpenModeCache): void {
  app.post(
    '/api/v1/tokens',
    {
      config: { permission: 'admin' },
      schema: {
        tags,
        summary: 'Create an API token (shown once)',
        body: Type.Object({ name: Type.String(), role: Type.Union(ROLES.map((r) => Type.Literal(r))) }, { additionalProperties: false }),
        response: { 201: Type.Object({ name: Type.String(), role: Type.String(), token: Type.String() }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const created = await createToken(deps, actorOf(req), req.body.name, req.body.role);
      // From the first token on, this server requires tokens.
      openMode.invalidate();
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/api/v1/tokens',
    {
      config: { permission: 'admin' },
      schema: {
        tags,
        summary: 'List tokens (never their secrets)',
        response: {
          200: Type.Object({
            tokens: Type.Array(Type.Object({ name: Type.String(), role: Type.String(), created_by: Type.String(), created_at: Type.String(), revoked: Type.Boolean() })),
          }),
          ...errorResponses,
        },
      },
    },
    async () => ({ tokens: await tokensList(deps) }),
  );

  app.delete(
    '/api/v1/tokens/:name',
    { config: { permission: 'admin' }, schema: { tags, summary: 'Revoke a token', params: Type.Object({ name: Type.String() }), response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      await revoke(deps, actorOf(req), req.params.name);
      openMode.invalidate();
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/whoami',
    {
      // Anyone who may see some model (a person whose only access is per-model grants included).
      config: { permission: 'read', model: { list: true } },
      schema: { tags, summary: 'The principal this request acts as', response: { 200: Type.Object({ name: Type.String(), role: Type.Union([Type.String(), Type.Null()]), open: Type.Boolean() }), ...errorResponses } },
    },
    async (req) => req.principal!,
  );
}
