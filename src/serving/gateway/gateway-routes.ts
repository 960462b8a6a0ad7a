// The three serving protocols on the API's port: Open Inference Protocol v2, MLflow scoring and
// TF Serving REST. Inference routes need 'read' (tokens apply as for the API).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { App } from '../../http/app-types.js';
import { notFound } from '../../errors.js';
import type { Gateway } from './gateway.js';
import { withoutModels } from './hidden-view.js';
import { serveInference, type Protocol, type Selector } from './inference.js';
import type { ModelSlot } from './model-slot.js';
import { loadedFor, modelMetadata } from './model-metadata.js';
import { formatMlflow, parseMlflow } from './protocols/mlflow.js';
import type { ParsedInference } from './protocols/parsed.js';
import { formatTfServing, parseTfServing } from './protocols/tfserving.js';
import { formatV2, parseV2, type V2Parsed } from './protocols/v2.js';
import { registerV2BodyParsers } from './protocols/v2-body-parsers.js';

// Per-model grants apply to the model in the path. One the caller may not read is answered as a
// model not served here, in each protocol's own shape (request.modelHidden; see seenBy below).
const readModel = { permission: 'read' as const, model: { param: 'm', hiddenAsMissing: true } };
/** TF Serving's wildcard routes: the model is the path's first segment (before "/" or ":predict"). */
const tfModel = {
  permission: 'read' as const,
  model: { from: (req: FastifyRequest) => tfModelOf((req.params as { '*'?: string })['*'] ?? ''), hiddenAsMissing: true },
};

function tfModelOf(rest: string): string | undefined {
  const m = /^([^/:]+)/.exec(rest);
  try {
    return m ? decodeURIComponent(m[1]) : undefined;
  } catch {
    return undefined; // a malformed path: the route's own 404 answers
  }
}

/** The gateway as this request may see it (hidden-view.ts). */
function seenBy(gateway: Gateway, req: FastifyRequest): Gateway {
  return req.modelHidden ? withoutModels(gateway) : gateway;
}
const pub = { permission: 'public' as const };

const v2: Protocol<V2Parsed> = {
  parse: (body, lv) => parseV2(body, lv.checker),
  format: (result, parsed, lv, id) => formatV2(lv.spec.model, lv.version, id, result, parsed),
  error: (err) => ({ error: err.message }),
};

const mlflow: Protocol<ParsedInference> = {
  parse: (body, lv) => parseMlflow(body, lv.checker, lv.spec.featureNames),
  format: (result, _parsed, lv) => formatMlflow(result, lv.spec.runtime === 'python'),
  error: (err) => ({ error_code: err.status >= 500 ? 'INTERNAL_ERROR' : err.status === 404 ? 'RESOURCE_DOES_NOT_EXIST' : err.status === 503 ? 'TEMPORARILY_UNAVAILABLE' : 'BAD_REQUEST', message: err.message }),
};

const tf: Protocol<ParsedInference & { columnar: boolean }> = {
  parse: (body, lv) => parseTfServing(body, lv.checker),
  format: (result, parsed) => formatTfServing(result, parsed.columnar),
  error: (err) => ({ error: err.message }),
};

const ModelParam = Type.Object({ m: Type.String() });

export function gatewayRoutes(app: App, gateway: Gateway): void {
  const tags = ['inference'];
  app.get('/v2/health/live', { config: pub, schema: { tags, summary: 'Open Inference Protocol: the gateway process is up' } }, async () => ({ live: true }));
  app.get('/v2/health/ready', { config: pub, schema: { tags, summary: 'Open Inference Protocol: initial models loaded' } }, async (_req, reply) =>
    reply.status(gateway.ready ? 200 : 503).send({ ready: gateway.ready }),
  );
  const VersionParam = Type.Object({ m: Type.String(), v: Type.String() });
  app.get('/v2/models/:m', { config: readModel, schema: { tags, summary: 'Model metadata: versions and signature', params: ModelParam } }, async (req, reply) => {
    const found = loadedFor(seenBy(gateway, req), req.params.m);
    if (!found) return reply.status(404).send({ error: `model "${req.params.m}" has no version being served here` });
    return modelMetadata(found.slot, found.lv);
  });
  app.get('/v2/models/:m/versions/:v', { config: readModel, schema: { tags, summary: 'Metadata of a loaded version', params: VersionParam } }, async (req, reply) => {
    const found = loadedFor(seenBy(gateway, req), req.params.m, req.params.v);
    if (!found) return reply.status(404).send({ error: `version ${req.params.v} of "${req.params.m}" is not loaded here` });
    return modelMetadata(found.slot, found.lv);
  });
  app.get('/v2/models/:m/ready', { config: readModel, schema: { tags, summary: 'Is a version of this model serving here?', params: ModelParam } }, async (req, reply) => {
    const ready = !!loadedFor(seenBy(gateway, req), req.params.m);
    return reply.status(ready ? 200 : 503).send({ name: req.params.m, ready });
  });
  app.get('/v2/models/:m/versions/:v/ready', { config: readModel, schema: { tags, summary: 'Is this version loaded here?', params: VersionParam } }, async (req, reply) => {
    const ready = !!loadedFor(seenBy(gateway, req), req.params.m, req.params.v);
    return reply.status(ready ? 200 : 503).send({ name: req.params.m, version: req.params.v, ready });
  });

  const post = (url: string, summary: string, handler: (req: FastifyRequest, reply: FastifyReply) => unknown) =>
    app.post(url, { config: tfModel, schema: { tags, summary } }, async (req, reply) => handler(req, reply));
  // In their own scope: the binary data extension's body parsers apply to v2 inference only.
  void app.register(async (scope: App) => {
    registerV2BodyParsers(scope);
    scope.post('/v2/models/:m/infer', { config: readModel, schema: { tags, summary: 'Open Inference Protocol inference on the bound version' } }, async (req, reply) =>
      serveInference(seenBy(gateway, req), v2, req, reply, (req.params as { m: string }).m, { kind: 'binding' }),
    );
    scope.post('/v2/models/:m/versions/:v/infer', { config: readModel, schema: { tags, summary: 'Open Inference Protocol inference on an explicit version' } }, async (req, reply) => {
      const p = req.params as { m: string; v: string };
      if (!/^\d+$/.test(p.v)) return reply.status(400).send({ error: `version "${p.v}" is not a number` });
      return serveInference(seenBy(gateway, req), v2, req, reply, p.m, { kind: 'version', version: Number(p.v) });
    });
  });
  // In its own scope: the text/csv body parser applies to MLflow scoring only.
  void app.register(async (scope: App) => {
    scope.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    scope.post('/models/:m/invocations', { config: readModel, schema: { tags, summary: 'MLflow scoring: dataframe_split, dataframe_records, instances, inputs (JSON) or text/csv' } }, async (req, reply) =>
      serveInference(seenBy(gateway, req), mlflow, req, reply, (req.params as { m: string }).m, { kind: 'binding' }),
    );
  });
  // "/v1/models/m:predict" puts a colon inside a path segment, which Fastify reads as a parameter
  // marker: one wildcard route takes the rest of the path and it is parsed here.
  post('/v1/models/*', 'TF Serving REST predict: m:predict, m/versions/N:predict, m/labels/L:predict', (req, reply) => {
    const route = parseTfPath((req.params as { '*': string })['*']);
    if (!route) return reply.status(404).send({ error: `no TF Serving route POST ${req.url}; use /v1/models/{m}:predict` });
    return serveInference(seenBy(gateway, req), tf, req, reply, route.model, route.sel);
  });
  app.get('/v1/models/*', { config: tfModel, schema: { tags, summary: 'TF Serving version status' } }, async (req, reply) => {
    const rest = (req.params as { '*': string })['*'];
    const m = /^([^/]+)(?:\/versions\/(\d+))?$/.exec(rest);
    const slot = m ? seenBy(gateway, req).find(decodeURIComponent(m[1])) : undefined;
    if (!m || !slot) return reply.status(404).send({ error: `model "${m?.[1] ?? rest}" is not served here` });
    return { model_version_status: tfVersionStatus(slot, m[2] ? Number(m[2]) : null) };
  });
}

export function parseTfPath(rest: string): { model: string; sel: Selector } | null {
  const m = /^([^/]+?)(?:\/versions\/(\d+)|\/labels\/([^/]+?))?:predict$/.exec(rest);
  if (!m) return null;
  const model = decodeURIComponent(m[1]);
  if (m[2]) return { model, sel: { kind: 'version', version: Number(m[2]) } };
  if (m[3]) return { model, sel: { kind: 'label', label: decodeURIComponent(m[3]) } };
  return { model, sel: { kind: 'binding' } };
}

function tfVersionStatus(slot: ModelSlot, only: number | null) {
  const rows: Array<{ version: string; state: string; status: { error_code: string; error_message: string } }> = [];
  const ok = { error_code: 'OK', error_message: '' };
  for (const v of slot.loaded.keys()) rows.push({ version: String(v), state: 'AVAILABLE', status: ok });
  for (const v of slot.loading.keys()) rows.push({ version: String(v), state: 'LOADING', status: ok });
  for (const f of slot.failures.values()) if (!slot.loaded.has(f.version)) rows.push({ version: String(f.version), state: 'END', status: { error_code: 'UNKNOWN', error_message: f.message } });
  const picked = only === null ? rows : rows.filter((r) => r.version === String(only));
  if (only !== null && picked.length === 0) throw notFound(`version ${only} of "${slot.name}" is not loaded here`);
  return picked;
}
