// buildApp(deps): registers plugins and modules and returns the server. It never listens, so tests
// drive it through inject() or their own port; main.ts listens and shuts down in order.
import { requestId } from './http/request-id.js';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController } from 'fastify';
import { Type } from 'typebox';
import type { Deps } from './deps.js';
import type { App } from './http/app-types.js';
import { openModeCache, registerAuth } from './http/auth.js';
import { registerErrorHandler } from './http/error-handler.js';
import { registerGracefulClose } from './http/graceful-close.js';
import { registerOpenApi, registerOpenApiRoute } from './http/openapi.js';
import { eventsRoutes } from './registry/events/events-routes.js';
import { modelsRoutes } from './registry/models/models-routes.js';
import { stagesRoutes } from './registry/targets/stages-routes.js';
import { tokensRoutes } from './registry/tokens/tokens-routes.js';
import { artifactsRoutes } from './registry/versions/artifacts-routes.js';
import { versionsRoutes } from './registry/versions/versions-routes.js';
import { VERSION } from './version.js';

/** A feature that adds routes (and possibly background work) to the app. */
export type Module = (app: App, deps: Deps) => void | Promise<void>;

export interface BuildOptions {
  /** Extra modules (gateway, monitoring, mlflow, web…), registered after the registry core. */
  modules?: Module[];
}

export async function buildApp(deps: Deps, opts: BuildOptions = {}): Promise<App> {
  const app = Fastify({
    loggerInstance: deps.log,
    // Per-request access lines off: at thousands of inferences a second they cost more than they tell.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => requestId(),
    requestIdHeader: 'stagecraft-request-id',
    // Reject unknown fields where a schema says additionalProperties: false, rather than dropping them.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  registerErrorHandler(app);
  registerGracefulClose(app);
  const openMode = openModeCache(deps);
  registerAuth(app, deps, openMode);
  await registerOpenApi(app, VERSION);
  registerOpenApiRoute(app);

  app.get(
    '/api/v1/health',
    { config: { permission: 'public' }, schema: { tags: ['health'], summary: 'Liveness of the registry', response: { 200: Type.Object({ status: Type.String(), version: Type.String(), database: Type.String() }) } } },
    async () => ({ status: 'ok', version: VERSION, database: deps.caps.name }),
  );

  modelsRoutes(app, deps);
  versionsRoutes(app, deps);
  artifactsRoutes(app, deps);
  stagesRoutes(app, deps);
  eventsRoutes(app, deps);
  tokensRoutes(app, deps, openMode);
  for (const module of opts.modules ?? []) await module(app, deps);
  return app;
}
