// /api/v1/models/:name/versions and /api/v1/versions (search), /api/v1/resolve.
import { Type } from 'typebox';
import type { App } from '../../http/app-types.js';
import { actorOf } from '../tokens/auth.js';
import { checkModel, readableBy } from '../grants/grants-access.js';
import { errorResponses, Limit, ModelNameParams, Nullable, SignatureSchema, VersionParams, VersionSchema } from '../../http/common-schemas.js';
import type { Deps } from '../deps.js';
import { describeRef, parseModelsUri, resolveRef } from './models-uri.js';
import { versionViewOfRef } from './version-view-reads.js';
import {
  createVersion,
  deleteVersion,
  listVersions,
  loadVersionView,
  markHealth,
  removeVersionTag,
  setVersionTag,
  updateVersion,
} from './versions-service.js';
import { HEALTHS } from './versions.js';

const tags = ['versions'];

const VersionList = Type.Object({ versions: Type.Array(VersionSchema), next_cursor: Nullable(Type.String()) });
const SearchQuery = {
  stage: Type.Optional(Type.String()),
  health: Type.Optional(Type.String()),
  run_id: Type.Optional(Type.String()),
  label: Type.Optional(Type.String()),
  tag: Type.Optional(Type.String({ description: 'key or key=value' })),
  limit: Limit,
  cursor: Type.Optional(Type.String()),
};

export const CreateVersionBody = Type.Object(
  {
    files: Type.Optional(Type.Array(Type.Object({ path: Type.String(), sha256: Type.String() }, { additionalProperties: false }))),
    label: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    source: Type.Optional(Type.String()),
    run_id: Type.Optional(Type.String()),
    params: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]))),
    metrics: Type.Optional(Type.Record(Type.String(), Type.Number())),
    dataset_digest: Type.Optional(Type.String()),
    code_ref: Type.Optional(Type.String()),
    tags: Type.Optional(Type.Record(Type.String(), Type.String())),
    runtime: Type.Optional(Type.Union([Type.Literal('onnx'), Type.Literal('http')])),
    endpoint_url: Type.Optional(Type.String()),
    signature: Type.Optional(SignatureSchema),
  },
  { additionalProperties: false },
);

export function versionsRoutes(app: App, deps: Deps): void {
  app.get(
    '/api/v1/versions',
    {
      config: { permission: 'read', model: { list: true, query: 'model' } },
      schema: {
        tags,
        summary: 'Search versions across models',
        querystring: Type.Object({ model: Type.Optional(Type.String()), search: Type.Optional(Type.String()), ...SearchQuery }),
        response: { 200: VersionList, ...errorResponses },
      },
    },
    async (req) => listVersions(deps, req.query, readableBy(req)),
  );

  app.get(
    '/api/v1/models/:name/versions',
    {
      config: { permission: 'read' },
      schema: { tags, summary: "List a model's versions, newest first", params: ModelNameParams, querystring: Type.Object(SearchQuery), response: { 200: VersionList, ...errorResponses } },
    },
    async (req) => listVersions(deps, { ...req.query, model: req.params.name }),
  );

  app.post(
    '/api/v1/models/:name/versions',
    {
      config: { permission: 'write' },
      schema: {
        tags,
        summary: 'Register a new version from uploaded blobs',
        description: 'Upload each file to POST /api/v1/blobs first; the version is READY as soon as it exists.',
        params: ModelNameParams,
        body: CreateVersionBody,
        response: { 201: VersionSchema, ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await createVersion(deps, actorOf(req), req.params.name, req.body)),
  );

  app.get(
    '/api/v1/models/:name/versions/:version',
    { config: { permission: 'follow' }, schema: { tags, summary: 'Get a version', params: VersionParams, response: { 200: VersionSchema, ...errorResponses } } },
    async (req) => loadVersionView(deps.db, req.params.name, req.params.version),
  );

  app.patch(
    '/api/v1/models/:name/versions/:version',
    {
      config: { permission: 'write' },
      schema: {
        tags,
        summary: "Update a version's description (versions are otherwise immutable)",
        params: VersionParams,
        body: Type.Object({ description: Type.Optional(Type.String()) }, { additionalProperties: false }),
        response: { 200: VersionSchema, ...errorResponses },
      },
    },
    async (req) => updateVersion(deps, actorOf(req), req.params.name, req.params.version, req.body),
  );

  app.delete(
    '/api/v1/models/:name/versions/:version',
    {
      config: { permission: 'admin' },
      schema: {
        tags,
        summary: 'Delete a version (kept in history; its number is never reused)',
        params: VersionParams,
        querystring: Type.Object({ reason: Type.Optional(Type.String()) }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (req, reply) => {
      await deleteVersion(deps, actorOf(req), req.params.name, req.params.version, req.query.reason);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/models/:name/versions/:version/health',
    {
      config: { permission: 'deploy' },
      schema: {
        tags,
        summary: 'Mark a version stable, failed or unknown',
        params: VersionParams,
        body: Type.Object(
          { health: Type.Union(HEALTHS.map((h) => Type.Literal(h))), reason: Type.Optional(Type.String()) },
          { additionalProperties: false },
        ),
        response: { 200: VersionSchema, ...errorResponses },
      },
    },
    async (req) => markHealth(deps, actorOf(req), req.params.name, req.params.version, req.body.health, req.body.reason),
  );

  const TagParams = Type.Object({ name: Type.String(), version: Type.Integer({ minimum: 1 }), key: Type.String() });
  app.put(
    '/api/v1/models/:name/versions/:version/tags/:key',
    {
      config: { permission: 'write' },
      schema: { tags, summary: 'Set a version tag', params: TagParams, body: Type.Object({ value: Type.String() }, { additionalProperties: false }), response: { 200: VersionSchema, ...errorResponses } },
    },
    async (req) => {
      await setVersionTag(deps, actorOf(req), req.params.name, req.params.version, req.params.key, req.body.value);
      return loadVersionView(deps.db, req.params.name, req.params.version);
    },
  );
  app.delete(
    '/api/v1/models/:name/versions/:version/tags/:key',
    { config: { permission: 'write' }, schema: { tags, summary: 'Delete a version tag', params: TagParams, response: { 200: VersionSchema, ...errorResponses } } },
    async (req) => {
      await removeVersionTag(deps, actorOf(req), req.params.name, req.params.version, req.params.key);
      return loadVersionView(deps.db, req.params.name, req.params.version);
    },
  );

  app.get(
    '/api/v1/resolve',
    {
      // The URI names the model; the handler checks it once resolved (a hidden model: as missing).
      config: { permission: 'read', model: 'handler' },
      schema: {
        tags,
        summary: 'Resolve a models:/ URI to the version it points at now',
        querystring: Type.Object({ uri: Type.String() }),
        response: { 200: Type.Object({ uri: Type.String(), name: Type.String(), version: Type.Integer(), model_version: VersionSchema }), ...errorResponses },
      },
    },
    async (req) => {
      // An extension's URI (e.g. MLflow's models:/m-<id>) first; then the kernel's grammar.
      for (const resolver of deps.uriResolvers) {
        const hit = await resolver.resolve(deps, req.query.uri);
        if (hit) {
          checkModel(req, hit.name);
          return { uri: req.query.uri, name: hit.name, version: hit.version, model_version: await loadVersionView(deps.db, hit.name, hit.version) };
        }
      }
      const ref = parseModelsUri(req.query.uri);
      checkModel(req, ref.name);
      // One query for the common references; a miss (or latest, a label) takes the general path,
      // whose errors say what is missing.
      const view = await versionViewOfRef(deps.db, ref);
      if (view) return { uri: describeRef(ref), name: ref.name, version: view.version, model_version: view };
      const version = await resolveRef(deps.db, ref);
      return { uri: describeRef(ref), name: ref.name, version, model_version: await loadVersionView(deps.db, ref.name, version) };
    },
  );
}
