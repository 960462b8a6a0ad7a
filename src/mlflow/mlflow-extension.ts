// The MLflow door: registry and tracking RPCs at /api/2.0/mlflow (and /ajax-api/2.0/mlflow for
// MLflow's UI), the artifact proxy at /api/2.0/mlflow-artifacts. Each lives in its own Fastify
// plugin so MLflow's error shape and body parsing stay inside and the native API keeps its own.
import type { FastifyInstance } from 'fastify';
import type { Extension } from '../extension.js';
import type { App } from '../http/app-types.js';
import type { Deps } from '../deps.js';
import './mlflow-tables.js';
import './mlflow-logged-models-tables.js';
import { registerMlflowErrorHandler } from './mlflow-errors.js';
import { mlflowArtifactsRoutes } from './mlflow-artifacts-routes.js';
import { mlflowLoggedModelsRoutes } from './mlflow-logged-models-routes.js';
import { loggedModelsNativeRoutes, loggedModelUriResolver } from './mlflow-logged-models-native.js';
import { mlflowModelsRoutes } from './mlflow-models-routes.js';
import { mlflowTrackingRoutes } from './mlflow-tracking-routes.js';
import { jsonRpcTransport } from './mlflow-transport.js';
import { mlflowMethodNotAllowed } from './mlflow-method-not-allowed.js';
import { mlflowVersionsRoutes } from './mlflow-versions-routes.js';
import { mlflowWebhookFormat } from './mlflow-webhook-format.js';
import { mlflowWebhooksRoutes } from './mlflow-webhooks-routes.js';
import { mlflowPermissionsRoutes } from './mlflow-permissions-routes.js';
import { registerWebhookFormat } from '../notify/index.js';
import { mlflowArtifactReferences } from './mlflow-blob-references.js';

function rpcPlugin(deps: Deps) {
  return async (app: FastifyInstance) => {
    registerMlflowErrorHandler(app);
    jsonRpcTransport(app);
    mlflowMethodNotAllowed(app);
    mlflowModelsRoutes(app, deps);
    mlflowVersionsRoutes(app, deps);
    mlflowTrackingRoutes(app, deps);
    mlflowLoggedModelsRoutes(app, deps);
    mlflowWebhooksRoutes(app, deps);
    mlflowPermissionsRoutes(app, deps);
  };
}

async function mlflowRoutes(app: App, deps: Deps): Promise<void> {
  loggedModelsNativeRoutes(app, deps);
  for (const prefix of ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow']) {
    await app.register(rpcPlugin(deps), { prefix });
  }
  await app.register(
    async (scope: FastifyInstance) => {
      registerMlflowErrorHandler(scope);
      mlflowArtifactsRoutes(scope, deps);
    },
    { prefix: '/api/2.0/mlflow-artifacts' },
  );
}

export function mlflowExtension(): Extension {
  // Webhooks made through this door are delivered in MLflow's format by notify's dispatcher.
  registerWebhookFormat(mlflowWebhookFormat);
  return { name: 'mlflow', uriResolvers: [loggedModelUriResolver], blobReferences: [mlflowArtifactReferences], routes: (app, { deps }) => mlflowRoutes(app, deps) };
}
