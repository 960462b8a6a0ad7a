// Approval policies and requests: list, open, approve, reject.
import { Type } from 'typebox';
import type { App } from '../../http/app-types.js';
import { actorOf, readableBy } from '../../registry/index.js';
import { errorResponses, Int8Id, ModelNameParams, Nullable, VersionSchema } from '../../http/common-schemas.js';
import type { Deps } from '../../deps.js';
import type { FastifyRequest } from 'fastify';
import { notFound } from '../../errors.js';
import { approve, getApproval, getApprovalPolicy, listApprovalRequests, reject, requestApproval, setApprovalPolicy } from './approvals-service.js';

const tags = ['approvals'];

const ApprovalSchema = Type.Object({
  id: Type.Integer(),
  kind: Type.String({ description: 'transition (a version into or out of a stage) or rollback (of a protected model\'s Production)' }),
  model: Type.String(),
  version: Type.Integer({ description: 'the version that moves; for a rollback, its destination' }),
  stage: Type.String(),
  from_version: Nullable(Type.Integer({ description: 'a rollback\'s: the version it replaces' })),
  archive_existing_versions: Type.Boolean(),
  status: Type.String({ description: 'pending, approved or rejected' }),
  reason: Nullable(Type.String()),
  requested_by: Type.String(),
  requested_at: Type.String(),
  decided_by: Nullable(Type.String()),
  decided_at: Nullable(Type.String()),
  comment: Nullable(Type.String()),
});
const PolicySchema = Type.Object({ name: Type.String(), stages: Type.Array(Type.String()), updated_at: Nullable(Type.String()), updated_by: Nullable(Type.String()) });
const IdParams = Type.Object({ id: Int8Id() });
const DecisionBody = Type.Optional(Type.Object({ comment: Type.Optional(Type.String()) }, { additionalProperties: false }));

/** An approval request belongs to its model: per-model grants apply to it (a hidden model's request: as missing). */
function approvalModel(deps: Deps) {
  return {
    lookup: async (req: FastifyRequest) => {
      const id = (req.params as { id: number }).id;
      const found = await getApproval(deps, id).catch(() => undefined);
      return found && { model: found.model, missing: notFound(`no approval request ${id}`) };
    },
  };
}

export function approvalsRoutes(app: App, deps: Deps): void {
  app.get(
    '/api/v1/models/:name/approval-policy',
    { config: { permission: 'read' }, schema: { tags, summary: 'Stages that need approval for this model', params: ModelNameParams, response: { 200: PolicySchema, ...errorResponses } } },
    async (req) => getApprovalPolicy(deps, req.params.name),
  );

  app.put(
    '/api/v1/models/:name/approval-policy',
    {
      config: { permission: 'admin' },
      schema: { tags, summary: 'Require approval for stages (empty list: none)', params: ModelNameParams, body: Type.Object({ stages: Type.Array(Type.String()) }, { additionalProperties: false }), response: { 200: PolicySchema, ...errorResponses } },
    },
    async (req) => setApprovalPolicy(deps, actorOf(req), req.params.name, req.body),
  );

  app.get(
    '/api/v1/approvals',
    {
      config: { permission: 'read', model: { list: true, query: 'model' } },
      schema: {
        tags,
        summary: 'Approval requests, newest first',
        querystring: Type.Object({ status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')])), model: Type.Optional(Type.String()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }),
        response: { 200: Type.Object({ approvals: Type.Array(ApprovalSchema) }), ...errorResponses },
      },
    },
    async (req) => {
      const readable = readableBy(req);
      return { approvals: (await listApprovalRequests(deps, req.query)).approvals.filter((a) => readable(a.model)) };
    },
  );

  app.post(
    '/api/v1/models/:name/approvals',
    {
      config: { permission: 'deploy' },
      schema: {
        tags,
        summary: 'Ask for a version to be moved into a stage that needs approval',
        params: ModelNameParams,
        body: Type.Object({ version: Type.Integer({ minimum: 1 }), stage: Type.String(), reason: Type.Optional(Type.String()), archive_existing_versions: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: { 201: ApprovalSchema, ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await requestApproval(deps, actorOf(req), req.params.name, req.body)),
  );

  app.get(
    '/api/v1/approvals/:id',
    { config: { permission: 'read', model: approvalModel(deps) }, schema: { tags, summary: 'One approval request', params: IdParams, response: { 200: ApprovalSchema, ...errorResponses } } },
    async (req) => getApproval(deps, req.params.id),
  );

  app.post(
    '/api/v1/approvals/:id/approve',
    {
      config: { permission: 'deploy', model: approvalModel(deps) },
      schema: {
        tags,
        summary: 'Approve a pending request (not your own): the version moves through the normal transition, or the rollback happens',
        params: IdParams,
        body: DecisionBody,
        response: {
          200: Type.Object({
            approval: ApprovalSchema,
            version: VersionSchema,
            archived_versions: Type.Array(Type.Integer()),
            rollback: Type.Optional(Type.Object({ from_version: Type.Integer(), to_version: Type.Integer(), event_id: Type.Integer() })),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => approve(deps, actorOf(req), req.params.id, req.body?.comment),
  );

  app.post(
    '/api/v1/approvals/:id/reject',
    { config: { permission: 'deploy', model: approvalModel(deps) }, schema: { tags, summary: 'Reject a pending request (not your own)', params: IdParams, body: DecisionBody, response: { 200: ApprovalSchema, ...errorResponses } } },
    async (req) => reject(deps, actorOf(req), req.params.id, req.body?.comment),
  );
}
