// Drills as a server module. The probe goes through this server's own serving routes (inject: real
// routing, no socket) or, for a standalone replica, over HTTP to the URL it reports — asking TF
// Serving's label form for the drilled stage so the answer names the version that served it.
import type { Extension } from '../../extension.js';
import type { App } from '../../http/app-types.js';
import { getModel, loadVersionView } from '../../registry/index.js';
import type { Deps } from '../../deps.js';
import { drillsRoutes } from './drills-routes.js';
import type { Probe } from './drills-service.js';

/** The caller's Authorization is passed on, so a server with tokens probes as the one who runs the drill. */
function injectProbe(app: App, deps: Deps, authorization?: string): Probe {
  return async (model, stage, replicaUrl) => {
    const v = (await getModel(deps, model)).stages[stage as 'Staging'];
    const sig = v === null ? null : (await loadVersionView(deps.db, model, v)).signature;
    const width = Math.max(1, sig?.inputs[0]?.shape.at(-1) ?? 1);
    const path = `/v1/models/${encodeURIComponent(model)}/labels/${stage}:predict`;
    const headers = { 'content-type': 'application/json', ...(authorization ? { authorization } : { 'stagecraft-actor': 'drill' }) };
    const payload = JSON.stringify({ instances: [new Array(width).fill(0)] });
    if (replicaUrl) {
      try {
        const res = await fetch(`${replicaUrl.replace(/\/+$/, '')}${path}`, { method: 'POST', headers, body: payload, signal: AbortSignal.timeout(5000) });
        await res.arrayBuffer();
        const version = Number(res.headers.get('stagecraft-model-version'));
        return { ok: res.status === 200, version: Number.isFinite(version) ? version : null };
      } catch {
        return { ok: false, version: null };
      }
    }
    const res = await app.inject({ method: 'POST', url: path, headers, payload });
    const version = Number(res.headers['stagecraft-model-version']);
    return { ok: res.statusCode === 200, version: Number.isFinite(version) ? version : null };
  };
}

export function drillsExtension(): Extension {
  return { name: 'drills', routes: (app, { deps }) => drillsRoutes(app, deps, (auth) => injectProbe(app, deps, auth)) };
}
