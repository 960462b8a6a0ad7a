// /api/v1/models: schema -> one service call -> response.
import { Type } from 'typebox';
import type { App } from '../../http/app-types.js';
import { actorOf, requestMay } from '../tokens/auth.js';
import { checkNewModelName, readableBy } from '../grants/grants-access.js';
import { errorResponses, Limit, ModelNameParams, ModelSchema } from '../../http/common-schemas.js';
import type { Deps } from '../deps.js';
import { AppError } from '../../errors.js';
import { createModel, deleteModel, getModel, listModels, removeModelTag, renameModel, setModelProtected, setModelTag, updateModel } from './models-service.js';

const tags = ['models'];

export function modelsRoutes(app: App, deps: Deps): void {
  app.get(
    '/api/v1/models',
    {
      config: { permission: 'read', model: { list: true } },
      schema: {
        tags,
        summary: 'List registered models',
        querystring: Type.Object({ search: Type.Optional(Type.String()), limit: Limit, cursor: Type.Optional(Type.String()) }),
        response: { 200: Type.Object({ models: Type.Array(ModelSchema), next_cursor: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses },
      },
    },
    async (req) => listModels(deps, req.query, readableBy(req)),
  );

  app.post(
    '/api/v1/models',
    {
      config: { permission: 'write', model: { body: 'name', create: true } },
      schema: {
        tags,
        summary: 'Register a model',
        body: Type.Object(
          {
            name: Type.String(),
            description: Type.Optional(Type.String()),
            tags: Type.Optional(Type.Record(Type.String(), Type.String())),
          },
          { additionalProperties: false },
        ),
        response: { 201: ModelSchema, ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await createModel(deps, actorOf(req), req.body)),
  );

  app.get(
    '/api/v1/models/:name',
    { config: { permission: 'read' }, schema: { tags, summary: 'Get a model', params: ModelNameParams, response: { 200: ModelSchema, ...errorResponses } } },
    async (req) => getModel(deps, req.params.name),
  );

  app.patch(
    '/api/v1/models/:name',
    {
      config: { permission: 'write' },
      schema: {
        tags,
        summary: 'Update or rename a model (renaming one a gateway may serve needs deployer; setting `protected` needs admin)',
        params: ModelNameParams,
        body: Type.Object(
          {
            description: Type.Optional(Type.String()),
            name: Type.Optional(Type.String()),
            protected: Type.Optional(Type.Boolean({ description: 'refuse deleting or renaming the model (or deleting a serving version) while it serves, in both doors; admin only' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: ModelSchema, ...errorResponses },
      },
    },
    async (req) => {
      let name = req.params.name;
      const protect = req.body.protected;
      if (protect !== undefined && !requestMay(req, 'admin')) {
        throw new AppError('forbidden', 'changing whether a model is protected needs admin');
      }
      // Clearing the setting first lets one request unprotect and rename; setting it last protects the new name.
      if (protect === false) await setModelProtected(deps, actorOf(req), name, false);
      if (req.body.name !== undefined && req.body.name !== name) checkNewModelName(req, req.body.name);
      if (req.body.name !== undefined && req.body.name !== name) name = (await renameModel(deps, actorOf(req), name, req.body.name, { deploy: requestMay(req, 'deploy') })).name;
      if (protect === true) await setModelProtected(deps, actorOf(req), name, true);
      return updateModel(deps, actorOf(req), name, { description: req.body.description });
    },
  );

  app.delete(
    '/api/v1/models/:name',
    {
      config: { permission: 'admin' },
      schema: {
        tags,
        summary: 'Delete a model (kept in history)',
        params: ModelNameParams,
        querystring: Type.Object({ reason: Type.Optional(Type.String()) }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (req, reply) => {
      await deleteModel(deps, actorOf(req), req.params.name, req.query.reason);
      return reply.status(204).send(null);
    },
  );

  app.put(
    '/api/v1/models/:name/tags/:key',
    {
      config: { permission: 'write' },
      schema: {
        tags,
        summary: 'Set a model tag',
        params: Type.Object({ name: Type.String(), key: Type.String() }),
        body: Type.Object({ value: Type.String() }, { additionalProperties: false }),
        response: { 200: ModelSchema, ...errorResponses },
      },
    },
    async (req) => {
      await setModelTag(deps, actorOf(req), req.params.name, req.params.key, req.body.value);
      return getModel(deps, req.params.name);
    },
  );

  app.delete(
    '/api/v1/models/:name/tags/:key',
    {
      config: { permission: 'write' },
      schema: { tags, summary: 'Delete a model tag', params: Type.Object({ name: Type.String(), key: Type.String() }), response: { 200: ModelSchema, ...errorResponses } },
    },
    async (req) => {
      await removeModelTag(deps, actorOf(req), req.params.name, req.params.key);
      return getModel(deps, req.params.name);
    },
  );
}
