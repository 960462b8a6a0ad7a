// MLflow registry RPCs on registered models (create, get, update, rename, delete, search,
// get-latest-versions, set/delete tag), each one registry service call.
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../deps.js';
import { actorOf, checkNewModelName, createModel, deleteModel, latestPerStage, readableBy, removeModelTag, renameModel, requestMay, setModelTag, stageTopWithPointers, tagsAndAliasesOfModels, updateModel } from '../registry/index.js';
import { byModelName, creatingModel, visibleOffsetPage } from './mlflow-model-access.js';
import { AppError } from '../errors.js';
import { MlflowError } from './mlflow-errors.js';
import { requireMlModel } from './mlflow-registry-service.js';
import { searchMlModels } from './mlflow-registry-reads.js';
import { mlflowStage, validateRegisteredModelName, validateTagKey, validateTags, validateTagValue } from './mlflow-rules.js';
import { decodePageToken, encodePageToken, maxResults, parseFilter, parseOrderBy } from './mlflow-search-filter.js';
import { modelsJson, versionsJson } from './mlflow-serializers.js';
import { oneModelJson, oneVersionJson } from './mlflow-version-one.js';
import { intParam, keyValues, listParam, optString, reqString, LISTING, rpc, type Input } from './mlflow-transport.js';

const alreadyExists = (name: string) => new MlflowError('RESOURCE_ALREADY_EXISTS', `Registered Model (name=${name}) already exists.`);

function rethrowExists(name: string) {
  return (err: unknown): never => {
    if (err instanceof AppError && err.details?.reason === 'already_exists') throw alreadyExists(name);
    throw err;
  };
}

// Four queries, none of them per version (mlflow-version-one.ts).
const modelJson = (deps: Deps, name: string) => oneModelJson(deps.db, name);

export function mlflowModelsRoutes(app: FastifyInstance, deps: Deps): void {
  rpc(app, 'POST', '/registered-models/create', 'write', async (input, req) => {
    const name = validateRegisteredModelName(reqString(input, 'name'));
    const tags = keyValues(input, 'tags');
    validateTags(tags);
    await createModel(deps, actorOf(req), {
      name,
      description: optString(input, 'description'),
      tags: Object.fromEntries(tags.map((t) => [t.key, t.value])),
    }).catch(rethrowExists(name));
    return { registered_model: await modelJson(deps, name) };
  }, creatingModel);

  rpc(app, 'GET', '/registered-models/get', 'read', async (input) => ({ registered_model: await modelJson(deps, reqString(input, 'name')) }), byModelName);

  rpc(app, 'PATCH', '/registered-models/update', 'write', async (input, req) => {
    const name = reqString(input, 'name');
    await requireMlModel(deps, name);
    // Deliberate: an omitted description leaves it alone (MLflow clears it; see docs/mlflow-compat.md).
    await updateModel(deps, actorOf(req), name, { description: optString(input, 'description') });
    return { registered_model: await modelJson(deps, name) };
  }, byModelName);

  rpc(app, 'POST', '/registered-models/rename', 'write', async (input, req) => {
    const name = reqString(input, 'name');
    const newName = validateRegisteredModelName(reqString(input, 'new_name'));
    await requireMlModel(deps, name);
    // The name taken needs write there too (a 403 whether or not a model has it: no existence leak).
    checkNewModelName(req, newName);
    await renameModel(deps, actorOf(req), name, newName, { deploy: requestMay(req, 'deploy') }).catch(rethrowExists(newName));
    return { registered_model: await modelJson(deps, newName) };
  }, byModelName);

  rpc(app, 'DELETE', '/registered-models/delete', 'admin', async (input, req) => {
    const name = reqString(input, 'name');
    await requireMlModel(deps, name);
    // As MLflow: deleted even while it serves (soft and audited here; gateways stop serving it),
    // unless the model is protected (409 naming the setting).
    await deleteModel(deps, actorOf(req), name, 'MLflow delete', { whileServing: true });
    return {};
  }, byModelName);

  rpc(app, 'GET', '/registered-models/search', 'read', async (input, req) => {
    const where = parseFilter(optString(input, 'filter'), { name: { type: 'string' } }, { registry: true });
    const order = parseOrderBy(listParam(input, 'order_by'), ['name', 'last_updated_timestamp', 'creation_timestamp'], { timestamp: 'last_updated_timestamp' });
    const limit = maxResults(intParam(input, 'max_results'), 100, 1000, input.max_results);
    const offset = decodePageToken(optString(input, 'page_token'));
    // Only models the caller may read (per-model grants); pages stay full.
    const readable = readableBy(req);
    const { page, next } = await visibleOffsetPage((at, n) => searchMlModels(deps, where, order, at, n), (m) => readable(m.name), offset, limit);
    const out: Record<string, unknown> = {};
    if (page.length) out.registered_models = await modelsJson(deps.db, page);
    if (next !== null) out.next_page_token = encodePageToken(next);
    return out;
  }, LISTING);

  const latest = async (input: Input) => {
    const name = reqString(input, 'name');
    const stages = listParam(input, 'stages').map(mlflowStage);
    // One stage (what clients ask for most) in two queries when it holds a version; else the general path.
    const top = stages.length === 1 ? await stageTopWithPointers(deps.db, name, stages[0]) : undefined;
    if (top) return { model_versions: [await oneVersionJson(deps.db, top, false)] };
    const model = await requireMlModel(deps, name);
    const rows = await latestPerStage(deps.db, [model.id], stages.length ? stages : undefined);
    const out: Record<string, unknown> = {};
    if (rows.length) out.model_versions = await versionsJson(deps.db, rows);
    return out;
  };
  // The client tries POST first and falls back to GET only on ENDPOINT_NOT_FOUND; both are served.
  rpc(app, 'POST', '/registered-models/get-latest-versions', 'read', latest, byModelName);
  rpc(app, 'GET', '/registered-models/get-latest-versions', 'read', latest, byModelName);

  rpc(app, 'POST', '/registered-models/set-tag', 'write', async (input, req) => {
    const name = reqString(input, 'name');
    const key = validateTagKey(reqString(input, 'key'));
    const value = validateTagValue(optString(input, 'value') ?? '');
    await requireMlModel(deps, name);
    await setModelTag(deps, actorOf(req), name, key, value);
    return {};
  }, byModelName);

  rpc(app, 'DELETE', '/registered-models/delete-tag', 'write', async (input, req) => {
    const name = reqString(input, 'name');
    const key = validateTagKey(reqString(input, 'key'));
    const model = await requireMlModel(deps, name);
    // MLflow: deleting a tag that is not there is a no-op, not an error.
    const { tags } = await tagsAndAliasesOfModels(deps.db, [model.id]);
    if (tags.some((t) => t.key === key)) await removeModelTag(deps, actorOf(req), name, key);
    return {};
  }, byModelName);
}
