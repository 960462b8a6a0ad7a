// /api/v1/grants: admin-only management of per-model grants.
import { Type } from 'typebox';
import type { App } from '../../http/app-types.js';
import { errorResponses, Int8Id } from '../../http/common-schemas.js';
import type { Deps } from '../deps.js';
import { actorOf } from '../tokens/auth.js';
import type { GrantsCache } from './grants-cache.js';
import { addGrant, listGrants, removeGrant } from './grants-service.js';

const tags = ['grants'];
// Spelled out (not mapped from the lists) so the route's types keep the literals.
const RoleSchema = Type.Union([Type.Literal('viewer'), Type.Literal('editor'), Type.Literal('deployer'), Type.Literal('admin'), Type.Literal('deny')]);
const PrincipalTypeSchema = Type.Union([Type.Literal('user'), Type.Literal('group'), Type.Literal('token')]);

const GrantSchema = Type.Object(
  {
    id: Type.Integer(),
    principal_type: PrincipalTypeSchema,
    principal_name: Type.String(),
    scope: Type.String({ description: 'a model name, a glob such as "fraud-*", or "*" for every model' }),
    role: RoleSchema,
    created_by: Type.String(),
    created_at: Type.String(),
  },
);

export function grantsRoutes(app: App, deps: Deps, cache: GrantsCache): void {
  app.get(
    '/api/v1/grants',
    {
      config: { permission: 'admin' },
      schema: {
        tags,
        summary: 'List grants (per-model roles and denies)',
        querystring: Type.Object({
          principal_type: Type.Optional(PrincipalTypeSchema),
          principal_name: Type.Optional(Type.String()),
          scope: Type.Optional(Type.String()),
        }),
        response: { 200: Type.Object({ grants: Type.Array(GrantSchema) }), ...errorResponses },
      },
    },
    async (req) => ({ grants: await listGrants(deps, req.query) }),
  );

  app.post(
    '/api/v1/grants',
    {
      config: { permission: 'admin' },
      schema: {
        tags,
        summary: 'Grant a principal a role (or deny) on a model, a glob of models, or every model',
        body: Type.Object(
          { principal_type: PrincipalTypeSchema, principal_name: Type.String(), scope: Type.String(), role: RoleSchema },
          { additionalProperties: false },
        ),
        response: { 201: GrantSchema, ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await addGrant(deps, cache, actorOf(req), req.body)),
  );

  app.delete(
    '/api/v1/grants/:id',
    {
      config: { permission: 'admin' },
      schema: { tags, summary: 'Remove a grant', params: Type.Object({ id: Int8Id() }), response: { 200: GrantSchema, ...errorResponses } },
    },
    async (req) => removeGrant(deps, cache, actorOf(req), req.params.id),
  );
}
