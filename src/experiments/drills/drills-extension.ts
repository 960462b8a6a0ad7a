// Drills as a server module. The probe goes through this server's own serving routes (inject: real
// routing, no socket) or, for a standalone replica, over HTTP to the URL it reports — asking TF
// Serving's label form for the drilled stage so the answer names the version that served it.
import type { Extension } from '../../extension.js';
import type { App } from '../../http/app-types.js';
import { getModel, loadVersionView } from '../../registry/index.js';
import type { Deps } from '../../deps.js';
import { drillsRoutes } from './drills-routes.js';
import type { Probe } from './drills-service.js';
import { probeFromMetadata, tensorProbe, type MetadataInput } from './probe-payload.js';

/** The caller's Authorization is passed on, so a server with tokens probes as the one who runs the drill. */
function injectProbe(app: App, deps: Deps, authorization?: string): Probe {
  return async (model, stage, replicaUrl) => {
    const v = (await getModel(deps, model)).stages[stage as 'Staging'];
    const sig = v === null ? null : (await loadVersionView(deps.db, model, v)).signature;
    const path = `/v1/models/${encodeURIComponent(model)}/labels/${stage}:predict`;
    const who: Record<string, string> = authorization ? { authorization } : { 'stagecraft-actor': 'drill' };
    const headers = { 'content-type': 'application/json', ...who };
    const base = replicaUrl?.replace(/\/+$/, '');
    const send = async (payload: string) => {
      if (!base) {
        const res = await app.inject({ method: 'POST', url: path, headers, payload });
        return { status: res.statusCode, version: Number(res.headers['stagecraft-model-version']) };
      }
      const res = await fetch(`${base}${path}`, { method: 'POST', headers, body: payload, signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
      return { status: res.status, version: Number(res.headers.get('stagecraft-model-version')) };
    };
    // No registry signature (a Python version): its own is in the metadata of the gateway serving it,
    // once loaded. A version loaded by this very probe is asked again, now with its columns.
    const inputs = async () => {
      const meta = `/v2/models/${encodeURIComponent(model)}/versions/${v}`;
      if (!base) {
        const res = await app.inject({ method: 'GET', url: meta, headers: who });
        return res.statusCode === 200 ? res.json<{ inputs?: MetadataInput[] }>().inputs : undefined;
      }
      const res = await fetch(`${base}${meta}`, { headers: who, signal: AbortSignal.timeout(5000) });
      return res.ok ? ((await res.json()) as { inputs?: MetadataInput[] }).inputs : undefined;
    };
    try {
      let res;
      if (sig || v === null) res = await send(tensorProbe(sig?.inputs[0]?.shape.at(-1) ?? 1));
      else {
        const known = await inputs();
        res = await send(probeFromMetadata(known));
        if (!known && res.status === 400) res = await send(probeFromMetadata(await inputs()));
      }
      return { ok: res.status === 200, version: Number.isFinite(res.version) ? res.version : null };
    } catch {
      return { ok: false, version: null };
    }
  };
}

export function drillsExtension(): Extension {
  return { name: 'drills', routes: (app, { deps }) => drillsRoutes(app, deps, (auth) => injectProbe(app, deps, auth)) };
}
