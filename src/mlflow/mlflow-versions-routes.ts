// MLflow registry RPCs on model versions and aliases. Transitions and alias moves go through the
// same services as the native API, so they are audited with the caller as actor and move serving.
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../deps.js';
import {
  SERVING_STAGES,
  actorOf,
  aliasedVersionWithPointers,
  aliasesOfModels,
  deleteAlias,
  deleteVersion,
  findNamedVersion,
  latestPerStage,
  readableBy,
  removeVersionTag,
  setAlias,
  setVersionTag,
  tagsOfVersions,
  transitionStage,
  updateVersion,
  versionWithPointers,
} from '../registry/index.js';
import { badParam, MlflowError, versionNotFound } from './mlflow-errors.js';
import { downloadUri, registerVersion, requireMlModel, requireMlVersion } from './mlflow-registry-service.js';
import { searchMlVersions } from './mlflow-registry-reads.js';
import { checkAliasChars, mlflowStage, validateAliasName, validateTagKey, validateTags, validateTagValue } from './mlflow-rules.js';
import { decodePageToken, encodePageToken, maxResults, parseFilter, parseOrderBy } from './mlflow-search-filter.js';
import { versionsJson } from './mlflow-serializers.js';
import { oneVersionJson } from './mlflow-version-one.js';
import { byAlias, byModelName, byVersion, newVersion, visibleOffsetPage } from './mlflow-model-access.js';
import { boolParam, intParam, keyValues, listParam, optString, LISTING, reqString, rpc, versionParam } from './mlflow-transport.js';

async function versionJson(deps: Deps, name: string, version: number, withAliases: boolean) {
  const found = await versionWithPointers(deps.db, name, version);
  if (!found) throw versionNotFound(name, version);
  return oneVersionJson(deps.db, found, withAliases);
}

const VERSION_FILTER = {
  name: { type: 'string' as const },
  run_id: { type: 'string' as const, allowIn: true },
  source_path: { type: 'string' as const },
  version_number: { type: 'number' as const },
};

export function mlflowVersionsRoutes(app: FastifyInstance, deps: Deps): void {
  rpc(app, 'POST', '/model-versions/create', 'write', async (input, req) => {
    const name = reqString(input, 'name');
    const source = reqString(input, 'source');
    const tags = keyValues(input, 'tags');
    validateTags(tags);
    const row = await registerVersion(deps, actorOf(req), {
      name,
      source,
      tags,
      runId: optString(input, 'run_id'),
      modelId: optString(input, 'model_id') || undefined,
      description: optString(input, 'description'),
      runLink: optString(input, 'run_link'),
    });
    const [json] = await versionsJson(deps.db, [row]);
    return { model_version: json };
  }, newVersion);

  rpc(app, 'GET', '/model-versions/get', 'read', async (input) => {
    const name = reqString(input, 'name');
    return { model_version: await versionJson(deps, name, versionParam(input), true) };
  }, byVersion);

  rpc(app, 'PATCH', '/model-versions/update', 'write', async (input, req) => {
    const name = reqString(input, 'name');
    const version = versionParam(input);
    await requireMlVersion(deps, name, version);
    // Deliberate: an omitted description leaves it alone (MLflow clears it).
    await updateVersion(deps, actorOf(req), name, version, { description: optString(input, 'description') });
    return { model_version: await versionJson(deps, name, version, true) };
  }, byVersion);

  rpc(app, 'POST', '/model-versions/transition-stage', 'deploy', async (input, req) => {
    const name = reqString(input, 'name');
    const version = versionParam(input);
    const stage = mlflowStage(reqString(input, 'stage'));
    const archive = boolParam(input, 'archive_existing_versions');
    if (archive && !(SERVING_STAGES as string[]).includes(stage)) {
      // MLflow answers this with a 500; it is the caller's mistake, so a 400 here.
      throw badParam(
        `Model version transition cannot archive existing model versions because '${stage}' is not an Active stage. Valid stages are ['Staging', 'Production']`,
      );
    }
    const row = await requireMlVersion(deps, name, version);
    if (row.health === 'failed' && (SERVING_STAGES as string[]).includes(stage)) {
      // MLflow has no "force": a version marked failed is promoted only through the native API.
      throw new MlflowError(
        'INVALID_PARAMETER_VALUE',
        `Model Version (name=${name}, version=${version}) is marked failed (${row.health_reason ?? 'no reason'}); promote it with Stagecraft's API and force if you mean it.`,
      );
    }
    await transitionStage(deps, actorOf(req), name, version, { stage, archive_existing_versions: archive, reason: 'MLflow transition-stage' });
    return { model_version: await versionJson(deps, name, version, false) };
  }, byVersion);

  rpc(app, 'DELETE', '/model-versions/delete', 'admin', async (input, req) => {
    const name = reqString(input, 'name');
    const version = versionParam(input);
    await requireMlVersion(deps, name, version);
    // As MLflow: deleted even in Production (soft and audited; its stage stops being served),
    // unless the model is protected and the version serves (409 naming the setting).
    await deleteVersion(deps, actorOf(req), name, version, 'MLflow delete', { whileServing: true });
    return {};
  }, byVersion);

  rpc(app, 'GET', '/model-versions/search', 'read', async (input, req) => {
    const where = parseFilter(optString(input, 'filter'), VERSION_FILTER, { registry: true });
    // MLflow 3 names a bad order_by key of a version search an "attribute key".
    const order = parseOrderBy(listParam(input, 'order_by'), ['name', 'version_number', 'creation_timestamp', 'last_updated_timestamp'], {}, 'attribute');
    const limit = maxResults(intParam(input, 'max_results'), 200_000, 200_000, input.max_results);
    const offset = decodePageToken(optString(input, 'page_token'));
    // Only versions of models the caller may read (per-model grants); pages stay full.
    const readable = readableBy(req);
    const { page, next } = await visibleOffsetPage((at, n) => searchMlVersions(deps, where, order, at, n), (v) => readable(v.model_name), offset, limit);
    const out: Record<string, unknown> = {};
    if (page.length) out.model_versions = await versionsJson(deps.db, page);
    if (next !== null) out.next_page_token = encodePageToken(next);
    return out;
  }, LISTING);

  rpc(app, 'GET', '/model-versions/get-download-uri', 'read', async (input) => {
    const name = reqString(input, 'name');
    const version = versionParam(input);
    return { artifact_uri: await downloadUri(deps.db, await requireMlVersion(deps, name, version)) };
  }, byVersion);

  rpc(app, 'POST', '/model-versions/set-tag', 'write', async (input, req) => {
    const name = reqString(input, 'name');
    const version = versionParam(input);
    const key = validateTagKey(reqString(input, 'key'));
    const value = validateTagValue(optString(input, 'value') ?? '');
    await requireMlVersion(deps, name, version);
    await setVersionTag(deps, actorOf(req), name, version, key, value);
    return {};
  }, byVersion);

  rpc(app, 'DELETE', '/model-versions/delete-tag', 'write', async (input, req) => {
    const name = reqString(input, 'name');
    const version = versionParam(input);
    const key = validateTagKey(reqString(input, 'key'));
    const row = await requireMlVersion(deps, name, version);
    const tags = await tagsOfVersions(deps.db, [row.id]);
    if (tags.some((t) => t.key === key)) await removeVersionTag(deps, actorOf(req), name, version, key);
    return {};
  }, byVersion);

  aliasRoutes(app, deps);
}

function aliasRoutes(app: FastifyInstance, deps: Deps): void {
  rpc(app, 'POST', '/registered-models/alias', 'deploy', async (input, req) => {
    const name = reqString(input, 'name');
    const alias = validateAliasName(reqString(input, 'alias'));
    const version = versionParam(input);
    await requireMlVersion(deps, name, version);
    await setAlias(deps, actorOf(req), name, alias, version, 'MLflow set alias');
    return {};
  }, byVersion);

  rpc(app, 'DELETE', '/registered-models/alias', 'deploy', async (input, req) => {
    const name = reqString(input, 'name');
    const alias = checkAliasChars(reqString(input, 'alias'));
    const model = await requireMlModel(deps, name);
    const aliases = await aliasesOfModels(deps.db, [model.id]);
    // MLflow: deleting an alias that is not set is a no-op.
    if (aliases.some((a) => a.alias === alias)) await deleteAlias(deps, actorOf(req), name, alias, 'MLflow delete alias');
    return {};
  }, byModelName);

  rpc(app, 'GET', '/registered-models/alias', 'read', async (input) => {
    const name = reqString(input, 'name');
    const alias = reqString(input, 'alias');
    const latest = alias.toLowerCase() === 'latest';
    // One query when the alias names a live version; else the reads below say what is missing.
    const found = latest ? undefined : await aliasedVersionWithPointers(deps.db, name, alias);
    if (found) return { model_version: await oneVersionJson(deps.db, found, true) };
    const model = await findModelOrNull(deps, name);
    if (latest) {
      if (!model) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Registered Model with name=${name} not found`);
      const rows = await latestPerStage(deps.db, [model.id]);
      const top = rows[rows.length - 1];
      if (!top) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Latest version not found for model ${name}.`);
      return { model_version: await versionJson(deps, name, top.version, true) };
    }
    const target = model ? (await aliasesOfModels(deps.db, [model.id])).find((a) => a.alias === alias) : undefined;
    // MLflow answers a missing alias with 400, not 404; clients expect that.
    const row = target ? await findNamedVersion(deps.db, name, target.version) : undefined;
    if (!row) throw badParam(`Registered model alias ${alias} not found.`);
    // the row just read, not a second lookup of the same version
    const [json] = await versionsJson(deps.db, [row], true);
    return { model_version: json };
  }, byAlias);
}

async function findModelOrNull(deps: Deps, name: string) {
  try {
    return await requireMlModel(deps, name);
  } catch {
    return null;
  }
}
