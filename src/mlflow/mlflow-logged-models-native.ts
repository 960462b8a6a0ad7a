// Logged models in Stagecraft's own API: GET /api/v1/logged-models/{id} shows one with its params,
// metrics, tags, files (path, size, sha256 in the blob store) with their manifest digest now and when
// it was finalized READY, its
// run and experiment and the registered versions made from it; GET
// /api/v1/models/{name}/versions/{version}/logged-model, the one a version was made from (the kernel's
// version view knows no logged models: this extension owns that link). And the resolver that makes
// models:/m-<id> resolve in GET /api/v1/resolve: to the newest live version made from the model.
import { Type, type Static } from 'typebox';
import type { App } from '../http/app-types.js';
import { errorResponses, Nullable, VersionParams } from '../http/common-schemas.js';
import type { Deps } from '../deps.js';
import { notFound } from '../errors.js';
import { manifestDigest, namedVersionsByIds, requireVersion, type UriResolver } from '../registry/index.js';
import type { Db } from '../db/tables.js';
import { findLoggedModel, loggedModelData, loggedModelsOfVersions, versionIdsOfLoggedModel } from './mlflow-logged-models-store.js';
import { liveLoggedModelFiles } from './mlflow-logged-models-service.js';

const LoggedModelSchema = Type.Object({
  model_id: Type.String(),
  name: Type.String(),
  experiment_id: Type.String(),
  source_run_id: Nullable(Type.String()),
  model_type: Nullable(Type.String()),
  status: Type.String({ description: 'LOGGED_MODEL_PENDING, LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED' }),
  status_message: Nullable(Type.String()),
  artifact_uri: Type.String(),
  digest: Type.String({ description: "Manifest digest of its files now (sha256 over path, size, sha256, as a version's digest)" }),
  ready_digest: Nullable(Type.String({ description: 'Manifest digest when it was finalized READY; differs from digest when files changed since' })),
  params: Type.Record(Type.String(), Type.String()),
  tags: Type.Record(Type.String(), Type.String()),
  metrics: Type.Array(
    Type.Object({
      key: Type.String(),
      value: Type.Number(),
      timestamp: Type.Integer(),
      step: Type.Integer(),
      run_id: Type.String(),
      dataset_name: Nullable(Type.String()),
      dataset_digest: Nullable(Type.String()),
    }),
  ),
  files: Type.Array(Type.Object({ path: Type.String(), size: Type.Integer(), sha256: Type.String() })),
  versions: Type.Array(Type.Object({ name: Type.String(), version: Type.Integer() }), { description: 'Live registered versions made from this model, newest first' }),
  created_at: Type.String(),
  updated_at: Type.String(),
  deleted: Type.Boolean(),
});
type LoggedModelView = Static<typeof LoggedModelSchema>;

/** Live versions made from the model, newest first. */
async function versionsOf(db: Db, modelId: string) {
  const ids = await versionIdsOfLoggedModel(db, modelId);
  const rows = await namedVersionsByIds(db, ids);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const r = byId.get(id);
    return r ? [{ name: r.model_name, version: r.version }] : [];
  });
}

async function loggedModelView(deps: Deps, modelId: string): Promise<LoggedModelView> {
  const m = await findLoggedModel(deps.db, modelId);
  if (!m) throw notFound(`logged model ${modelId} not found`);
  const [data, files, versions] = await Promise.all([loggedModelData(deps.db, [modelId]), liveLoggedModelFiles(deps.db, m), versionsOf(deps.db, modelId)]);
  return {
    model_id: m.model_id,
    name: m.name,
    experiment_id: String(m.experiment_id),
    source_run_id: m.source_run_id,
    model_type: m.model_type,
    status: m.status,
    status_message: m.status_message,
    artifact_uri: m.artifact_location,
    digest: manifestDigest(files),
    ready_digest: m.digest,
    params: Object.fromEntries(data.params.map((p) => [p.key, p.value])),
    tags: Object.fromEntries(data.tags.map((t) => [t.key, t.value])),
    metrics: data.metrics.map((x) => ({
      key: x.key,
      value: Number(x.value),
      timestamp: Number(x.timestamp),
      step: Number(x.step),
      run_id: x.run_id,
      dataset_name: x.dataset_name,
      dataset_digest: x.dataset_digest,
    })),
    files,
    versions,
    created_at: new Date(Number(m.creation_time)).toISOString(),
    updated_at: new Date(Number(m.last_update_time)).toISOString(),
    deleted: m.lifecycle_stage !== 'active',
  };
}

export function loggedModelsNativeRoutes(app: App, deps: Deps): void {
  app.get(
    '/api/v1/logged-models/:model_id',
    {
      config: { permission: 'read' },
      schema: {
        tags: ['logged models'],
        summary: 'A logged model (MLflow 3): params, metrics, tags, files, its run and the versions made from it',
        params: Type.Object({ model_id: Type.String() }),
        response: { 200: LoggedModelSchema, ...errorResponses },
      },
    },
    async (req) => loggedModelView(deps, req.params.model_id),
  );

  app.get(
    '/api/v1/models/:name/versions/:version/logged-model',
    {
      config: { permission: 'read' },
      schema: {
        tags: ['logged models'],
        summary: "The logged model (MLflow 3) a version was made from, or null: MLflow's model_id with its params, metrics and files",
        params: VersionParams,
        response: { 200: Type.Object({ logged_model: Nullable(LoggedModelSchema) }), ...errorResponses },
      },
    },
    async (req) => {
      const { row } = await requireVersion(deps.db, req.params.name, req.params.version);
      const [link] = await loggedModelsOfVersions(deps.db, [row.id]);
      return { logged_model: link ? await loggedModelView(deps, link.model_id) : null };
    },
  );
}

const MODEL_ID_URI = /^models:\/+(m-[^/@]+)\/*$/;

/** models:/m-<id>: the newest live registered version made from that logged model. */
export const loggedModelUriResolver: UriResolver = {
  async resolve(deps, uri) {
    const m = MODEL_ID_URI.exec(uri.trim());
    if (!m) return null;
    const model = await findLoggedModel(deps.db, m[1]);
    if (!model || model.lifecycle_stage !== 'active') throw notFound(`logged model ${m[1]} not found`);
    const [newest] = await versionsOf(deps.db, model.model_id);
    if (!newest) throw notFound(`${uri} is a logged model no registered version was made from; register it (models:/${model.model_id} as the source) to serve it`);
    return newest;
  },
};
