// The kernel's HTTP surface: authentication for every route, then models, versions, artifacts,
// stages and aliases, the audit log and its stream, and tokens.
import type { App } from '../http/app-types.js';
import type { Deps } from './deps.js';
import { eventsRoutes } from './events/events-routes.js';
import { gcRoutes } from './gc/gc-routes.js';
import { readableBy, registerGrantChecks, verdictOn } from './grants/grants-access.js';
import { grantsCache } from './grants/grants-cache.js';
import { grantsRoutes } from './grants/grants-routes.js';
import { authRoutes } from './identity/auth-routes.js';
import { createIdentity } from './identity/identity.js';
import { requireModel } from './models/models-service.js';
import { modelsRoutes } from './models/models-routes.js';
import { stagesRoutes } from './targets/stages-routes.js';
import { openModeCache, registerAuth, requestMay } from './tokens/auth.js';
import { tokensRoutes } from './tokens/tokens-routes.js';
import { transferRoutes } from './transfer/transfer-routes.js';
import { artifactsRoutes } from './versions/artifacts-routes.js';
import { blobsRoutes } from './versions/blobs-routes.js';
import { purgeRoutes } from './versions/purge-routes.js';
import { versionsRoutes } from './versions/versions-routes.js';

/** Auth hook first: it must see every route registered after it, the extensions' included. */
export function registerRegistry(app: App, deps: Deps): void {
  const openMode = openModeCache(deps);
  // Single sign-on when configured: the issuer is read as the server starts (a wrong one stops it).
  const identity = deps.config.oidc ? createIdentity(deps, deps.config.oidc) : null;
  if (identity) app.addHook('onReady', () => identity.start());
  const grants = grantsCache(deps);
  registerAuth(
    app,
    deps,
    openMode,
    identity,
    (p) => grants.current().globalRole(p),
    (p, model, permission) => {
      const v = verdictOn(grants.current(), p, model, permission);
      return v.ok ? undefined : v.hidden ? 'hidden' : v.error;
    },
  );
  registerGrantChecks(app, grants);
  authRoutes(app, deps, identity);
  modelsRoutes(app, deps);
  versionsRoutes(app, deps);
  artifactsRoutes(app, deps);
  blobsRoutes(app, deps);
  gcRoutes(app, deps);
  purgeRoutes(app, deps);
  stagesRoutes(app, deps);
  eventsRoutes(app, deps, async (name) => (await requireModel(deps.db, name)).id, (req) => requestMay(req, 'admin'), readableBy);
  tokensRoutes(app, deps, openMode);
  grantsRoutes(app, deps, grants);
  transferRoutes(app, deps);
}
