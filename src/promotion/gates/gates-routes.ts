// Validation gates: configure per model, run on demand, read a version's report, admin override.
import { Type } from 'typebox';
import type { App } from '../../http/app-types.js';
import { actorOf } from '../../registry/index.js';
import { errorResponses, ModelNameParams, VersionParams, VersionSchema } from '../../http/common-schemas.js';
import type { Deps } from '../../deps.js';
import type { GatesConfig } from './gates.js';
import { GatesInputSchema, GatesViewSchema, ValidationReportSchema } from './gates-schemas.js';
import { getGates, getValidationReport, overrideTransition, removeGates, setGates, validateVersion, type GatesOptions } from './gates-service.js';

const tags = ['validation gates'];

export function gatesRoutes(app: App, deps: Deps, opts: GatesOptions = {}): void {
  app.get(
    '/api/v1/models/:name/gates',
    { config: { permission: 'read' }, schema: { tags, summary: 'The validation gates a version must pass to enter Staging or Production', params: ModelNameParams, response: { 200: GatesViewSchema, ...errorResponses } } },
    async (req) => getGates(deps, req.params.name),
  );

  app.put(
    '/api/v1/models/:name/gates',
    {
      config: { permission: 'admin' },
      schema: { tags, summary: 'Set the validation gates (signature, digest, holdout metric thresholds)', params: ModelNameParams, body: GatesInputSchema, response: { 200: GatesViewSchema, ...errorResponses } },
    },
    async (req) => setGates(deps, actorOf(req), req.params.name, req.body as Partial<GatesConfig>),
  );

  app.delete(
    '/api/v1/models/:name/gates',
    {
      config: { permission: 'admin' },
      schema: { tags, summary: 'Remove the validation gates', params: ModelNameParams, querystring: Type.Object({ reason: Type.Optional(Type.String()) }), response: { 204: Type.Null(), ...errorResponses } },
    },
    async (req, reply) => {
      await removeGates(deps, actorOf(req), req.params.name, req.query.reason);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/models/:name/versions/:version/validate',
    {
      config: { permission: 'write' },
      schema: {
        tags,
        summary: 'Run the gates on a version now (without moving it) and store the report',
        params: VersionParams,
        body: Type.Optional(Type.Object({ stage: Type.Optional(Type.String()) }, { additionalProperties: false })),
        response: { 200: ValidationReportSchema, ...errorResponses },
      },
    },
    async (req) => validateVersion(deps, actorOf(req), req.params.name, req.params.version, req.body?.stage, opts),
  );

  app.get(
    '/api/v1/models/:name/versions/:version/validation',
    { config: { permission: 'read' }, schema: { tags, summary: 'The version’s latest validation report', params: VersionParams, response: { 200: ValidationReportSchema, ...errorResponses } } },
    async (req) => getValidationReport(deps, req.params.name, req.params.version),
  );

  app.post(
    '/api/v1/models/:name/versions/:version/stage/override',
    {
      config: { permission: 'admin' },
      schema: {
        tags,
        summary: 'Move a version to a stage even though its validation gates fail (admin; the reason is audited)',
        params: VersionParams,
        body: Type.Object(
          { stage: Type.String(), reason: Type.String({ minLength: 1 }), archive_existing_versions: Type.Optional(Type.Boolean()), force: Type.Optional(Type.Boolean()) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ version: VersionSchema, archived_versions: Type.Array(Type.Integer()) }), ...errorResponses },
      },
    },
    async (req) => overrideTransition(deps, actorOf(req), req.params.name, req.params.version, req.body),
  );
}
