// MLflow 3's LoggedModel RPCs (/logged-models…) and the run-side calls around them (runs/outputs).
// The artifact listing answers from the artifact proxy's manifest under the model's location; the
// UI's file download (/logged-models/{id}/artifacts/files) streams from the blob store.
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../deps.js';
import { findFile, filesUnder, normalizeArtifactPath } from './mlflow-artifacts.js';
import { badParam, missingParam, MlflowError } from './mlflow-errors.js';
import { loggedModelJson, loggedModelsJson } from './mlflow-logged-models-json.js';
import { parseOrderBy, searchLoggedModels, type DatasetFilter } from './mlflow-logged-models-search.js';
import * as svc from './mlflow-logged-models-service.js';
import { validateTagKey } from './mlflow-rules.js';
import { boolParam, intParam, keyValues, listParam, optString, reqString, rpc, type Input } from './mlflow-transport.js';

const idOf = (req: { params: unknown }) => (req.params as { model_id: string }).model_id;

/** The status enum by name or number, with MLflow's type-error message for anything else. */
function statusParam(input: Input): string {
  const v = input.status;
  if (v === undefined || v === null || v === '') throw missingParam('status');
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < svc.LOGGED_MODEL_STATUSES.length) return svc.LOGGED_MODEL_STATUSES[v];
  if (typeof v === 'string' && svc.LOGGED_MODEL_STATUSES.includes(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v) && Number(v) < svc.LOGGED_MODEL_STATUSES.length) return svc.LOGGED_MODEL_STATUSES[Number(v)];
  const t = typeof v === 'string' ? 'str' : typeof v === 'number' ? 'int' : typeof v;
  throw badParam(`Invalid value ${JSON.stringify(v)} for parameter 'status' supplied:  Hint: Value was of type '${t}'. See the API docs for more information about request parameters.`);
}

function datasetsOf(input: Input): DatasetFilter[] {
  const v = input.datasets;
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw badParam("Invalid value for parameter 'datasets': expected a list");
  return v.map((d) => {
    const o = (typeof d === 'object' && d !== null ? d : {}) as Input;
    return { dataset_name: optString(o, 'dataset_name') ?? '', dataset_digest: optString(o, 'dataset_digest') || undefined };
  });
}

/** {path, is_dir, file_size} entries one level under `dir`, paths relative to the model's root, as MLflow lists them. */
function directoryListing(root: string, dir: string, files: Array<{ path: string; size: number }>) {
  const base = dir ? `${root}/${dir}/` : `${root}/`;
  const entries = new Map<string, { path: string; is_dir: boolean; file_size?: number }>();
  for (const f of files) {
    if (!f.path.startsWith(base)) continue;
    const rest = f.path.slice(base.length);
    const slash = rest.indexOf('/');
    const name = slash < 0 ? rest : rest.slice(0, slash);
    const rel = dir ? `${dir}/${name}` : name;
    if (slash < 0) entries.set(name, { path: rel, is_dir: false, file_size: f.size });
    else if (!entries.has(name)) entries.set(name, { path: rel, is_dir: true });
  }
  return [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function mlflowLoggedModelsRoutes(app: FastifyInstance, deps: Deps): void {
  rpc(app, 'POST', '/logged-models', 'write', async (input) => {
    const model = await svc.createLoggedModel(deps, {
      experimentId: reqString(input, 'experiment_id'),
      name: optString(input, 'name') || undefined,
      modelType: optString(input, 'model_type'),
      sourceRunId: optString(input, 'source_run_id'),
      params: keyValues(input, 'params'),
      tags: keyValues(input, 'tags'),
    });
    return { model: await loggedModelJson(deps.db, model) };
  });

  rpc(app, 'POST', '/logged-models/search', 'read', async (input) => {
    if (input.experiment_ids === undefined || input.experiment_ids === null) throw missingParam('experiment_ids');
    const maxResults = intParam(input, 'max_results') ?? 100;
    if (maxResults < 1 || maxResults > 10_000) throw badParam(`Invalid value for max_results. It must be between 1 and 10000, but got ${maxResults}`);
    const found = await searchLoggedModels(deps, {
      experimentIds: listParam(input, 'experiment_ids'),
      filter: optString(input, 'filter') || undefined,
      datasets: datasetsOf(input),
      orderBy: parseOrderBy(input.order_by),
      pageToken: optString(input, 'page_token') || undefined,
      maxResults,
    });
    const out: Record<string, unknown> = {};
    if (found.models.length) out.models = await loggedModelsJson(deps.db, found.models);
    if (found.nextPageToken) out.next_page_token = found.nextPageToken;
    return out;
  });

  rpc(app, 'GET', '/logged-models/:model_id', 'read', async (input, req) => {
    const model = await svc.requireLoggedModel(deps.db, idOf(req), boolParam(input, 'allow_deleted'));
    return { model: await loggedModelJson(deps.db, model) };
  });

  rpc(app, 'PATCH', '/logged-models/:model_id', 'write', async (input, req) => {
    const model = await svc.finalizeLoggedModel(deps, idOf(req), statusParam(input));
    return { model: await loggedModelJson(deps.db, model) };
  });

  rpc(app, 'DELETE', '/logged-models/:model_id', 'write', async (_input, req) => {
    await svc.deleteLoggedModel(deps, idOf(req));
    return {};
  });

  rpc(app, 'PATCH', '/logged-models/:model_id/tags', 'write', async (input, req) => {
    await svc.setLoggedModelTags(deps, idOf(req), keyValues(input, 'tags'));
    return {};
  });

  rpc(app, 'DELETE', '/logged-models/:model_id/tags/:tag_key', 'write', async (_input, req) => {
    const key = validateTagKey((req.params as { tag_key: string }).tag_key);
    await svc.deleteLoggedModelTag(deps, idOf(req), key);
    return {};
  });

  rpc(app, 'POST', '/logged-models/:model_id/params', 'write', async (input, req) => {
    await svc.logLoggedModelParams(deps, idOf(req), keyValues(input, 'params'));
    return {};
  });

  rpc(app, 'GET', '/logged-models/:model_id/artifacts/directories', 'read', async (input, req) => {
    const model = await svc.requireLoggedModel(deps.db, idOf(req));
    const dir = normalizeArtifactPath(optString(input, 'artifact_directory_path'));
    const root = svc.proxiedRoot(model);
    const out: Record<string, unknown> = { root_uri: model.artifact_location };
    if (root !== null) {
      const files = directoryListing(root, dir, await filesUnder(deps.db, dir ? `${root}/${dir}` : root));
      if (files.length) out.files = files;
    }
    return out;
  });

  // MLflow's UI downloads a logged model's file here (MLflow serves it under /ajax-api only; both mounts here).
  app.get('/logged-models/:model_id/artifacts/files', { config: { permission: 'read' }, schema: { hide: true } }, async (req, reply) => {
    const raw = (req.query as { artifact_file_path?: string }).artifact_file_path;
    if (!raw) throw badParam('Request must include the "artifact_file_path" query parameter.');
    const model = await svc.requireLoggedModel(deps.db, idOf(req));
    const rel = normalizeArtifactPath(raw);
    const root = svc.proxiedRoot(model);
    const file = root !== null && rel ? await findFile(deps.db, `${root}/${rel}`) : undefined;
    if (!file) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `No such artifact: '${root ?? model.artifact_location}/${rel}'`);
    return reply
      .header('content-type', 'application/octet-stream')
      .header('content-length', String(file.size))
      .header('x-content-type-options', 'nosniff')
      .send(deps.blobs.open(file.sha256));
  });

  rpc(app, 'POST', '/runs/outputs', 'write', async (input) => {
    const runId = reqString(input, 'run_id');
    await svc.recordRunModels(deps, runId, 'output', modelRefs(input, true));
    return {};
  });
}

/** [{model_id, step?}] as runs/outputs and runs/log-inputs send them. */
export function modelRefs(input: Input, withStep: boolean): Array<{ modelId: string; step: number }> {
  const v = input.models;
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw badParam("Invalid value for parameter 'models': expected a list");
  return v.map((m) => {
    const o = (typeof m === 'object' && m !== null ? m : {}) as Input;
    return { modelId: reqString(o, 'model_id'), step: withStep ? (intParam(o, 'step') ?? 0) : 0 };
  });
}
