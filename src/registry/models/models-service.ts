// Use cases for registered models.
import type { Deps } from '../deps.js';
import { modelViewByName } from '../model-view-read.js';
import { AppError, conflict, notFound } from '../../errors.js';
import { commit } from '../events/events-service.js';
import { decodeCursor, encodeCursor, visiblePage } from '../../http/paging.js';
import { validateDescription, validateModelName, validateTag } from './models.js';
import {
  deleteModelTag,
  findLiveModel,
  insertModel,
  listLiveModels,
  nextVersionNumber,
  touchVersionsOfModel,
  updateModelRow,
  upsertModelTag,
} from './models-store.js';
import { modelViews, stageMembers, type ModelView } from '../read-models.js';
import type { Db } from '../../db/tables.js';
import type { ModelRow } from './models.js';

/** The live model with this name, or undefined. */
export async function findModel(db: Db, name: string): Promise<ModelRow | undefined> {
  return findLiveModel(db, name);
}

export async function requireModel(db: Db, name: string): Promise<ModelRow> {
  const model = await findLiveModel(db, name);
  if (!model) throw notFound(`model "${name}" does not exist`);
  return model;
}

/** A version was created or deleted: the model's last update moves with it, as MLflow's does. */
export async function touchModel(db: Db, modelId: string, now: number): Promise<void> {
  await updateModelRow(db, modelId, { updated_at: now });
}

/** Assigns the model's next version number (call inside the transaction that inserts the version). */
export async function assignVersionNumber(db: Db, modelId: string): Promise<number> {
  return nextVersionNumber(db, modelId);
}

export interface CreateModelInput {
  name: string;
  description?: string;
  tags?: Record<string, string>;
}

export async function createModel(deps: Deps, actor: string, input: CreateModelInput): Promise<ModelView> {
  const name = validateModelName(input.name);
  const description = validateDescription(input.description ?? '');
  for (const [k, v] of Object.entries(input.tags ?? {})) validateTag(k, v);
  const now = deps.clock.now();
  const id = deps.ids.uuid();
  await commit(
    deps,
    async (trx, append) => {
      if (await findLiveModel(trx, name)) throw alreadyExists(name);
      await insertModel(trx, { id, name, description, created_at: now, updated_at: now, created_by: actor });
      for (const [k, v] of Object.entries(input.tags ?? {})) await upsertModelTag(trx, id, k, v);
      await append({ actor, type: 'model.created', model: { id, name }, details: { description, tags: input.tags ?? {} } });
    },
    () => alreadyExists(name),
  );
  return getModel(deps, name);
}

const alreadyExists = (name: string) => new AppError('conflict', `model "${name}" already exists`, { reason: 'already_exists' });

export async function getModel(deps: Deps, name: string): Promise<ModelView> {
  // One query when the model is there; a miss takes the batched read's path for its 404.
  const one = await modelViewByName(deps.db, name);
  if (one) return one;
  const model = await requireModel(deps.db, name);
  const [view] = await modelViews(deps.db, [model]);
  return view;
}

/** `visible`: the models the caller may read (per-model grants); hidden ones are skipped, pages stay full. */
export async function listModels(deps: Deps, q: { search?: string; limit: number; cursor?: string }, visible?: (name: string) => boolean) {
  const after = decodeCursor(q.cursor, (v): v is string => typeof v === 'string');
  const rows = await visiblePage(
    (afterName, limit) => listLiveModels(deps.db, { search: q.search, afterName, limit, ilike: deps.caps.ilike }),
    (m) => m.name,
    visible && ((m) => visible(m.name)),
    after,
    q.limit,
  );
  const page = rows.slice(0, q.limit);
  return {
    models: await modelViews(deps.db, page),
    next_cursor: rows.length > q.limit ? encodeCursor(page[page.length - 1].name) : null,
  };
}

export async function updateModel(deps: Deps, actor: string, name: string, patch: { description?: string }) {
  await commit(deps, async (trx, append) => {
    const model = await requireModel(trx, name);
    if (patch.description !== undefined) {
      const description = validateDescription(patch.description);
      await updateModelRow(trx, model.id, { description, updated_at: deps.clock.now() });
      await append({
        actor,
        type: 'model.updated',
        model,
        from: model.description,
        to: description,
        details: { field: 'description' },
      });
    }
  });
  return getModel(deps, name);
}

/** What a gateway may serve of the model: its Production and Staging holders and its aliases. */
export async function servedTargets(db: Db, model: ModelRow): Promise<string[]> {
  const [view] = await modelViews(db, [model]);
  const stages = Object.entries(view.stages).flatMap(([stage, v]) => (v === null ? [] : [`${stage} v${v}`]));
  return [...stages, ...Object.entries(view.aliases).map(([alias, v]) => `@${alias} v${v}`)];
}

/**
 * The protected setting: a protected model that serves (`served` lists what) may not be deleted or
 * renamed, and its serving versions may not be deleted, through any door. Refused with a 409 that
 * names the setting and how to clear it, so the caller knows it is a choice, not a failure.
 */
export function refuseWhileProtected(model: ModelRow, action: string, served: string[]): void {
  if (Number(model.protected) !== 1 || served.length === 0) return;
  throw conflict(
    `model "${model.name}" is protected and serves (${served.join(', ')}): ${action} is refused while it is protected; an admin can clear the setting (PATCH /api/v1/models/${encodeURIComponent(model.name)} {"protected": false}, or: stagecraft models unprotect ${model.name})`,
    { reason: 'protected', served },
  );
}

/** Sets or clears the protected setting (admins only; the route checks). Audited as a model update. */
export async function setModelProtected(deps: Deps, actor: string, name: string, value: boolean): Promise<ModelView> {
  await commit(deps, async (trx, append) => {
    const model = await requireModel(trx, name);
    const was = Number(model.protected) === 1;
    if (was === value) return;
    await updateModelRow(trx, model.id, { protected: value ? 1 : 0, updated_at: deps.clock.now() });
    await append({ actor, type: 'model.updated', model, from: String(was), to: String(value), details: { field: 'protected' } });
  });
  return getModel(deps, name);
}

/**
 * Renames a model. Gateways serve a model by its name, so renaming one they may serve (a version in
 * Production or Staging, or an alias) is a deployment change: it needs `may.deploy` (deployer or
 * higher). Serving follows the new name: the gateways move the model's slot to it when they see
 * the event (this server's before the answer), and the old name keeps leading to it.
 */
export async function renameModel(deps: Deps, actor: string, name: string, newName: string, may: { deploy: boolean }) {
  validateModelName(newName);
  await commit(
    deps,
    async (trx, append) => {
      const model = await requireModel(trx, name);
      if (name === newName) return;
      if (await findLiveModel(trx, newName)) throw alreadyExists(newName);
      const served = await servedTargets(trx, model);
      refuseWhileProtected(model, 'renaming it', served);
      if (!may.deploy) {
        if (served.length > 0) {
          throw new AppError('forbidden', `model "${name}" can be served (${served.join(', ')}): renaming it changes what gateways serve, and needs deployer or higher`);
        }
      }
      const now = deps.clock.now();
      await updateModelRow(trx, model.id, { name: newName, updated_at: now });
      await touchVersionsOfModel(trx, model.id, now);
      await append({ actor, type: 'model.renamed', model: { id: model.id, name: newName }, from: name, to: newName });
    },
    () => alreadyExists(newName),
  );
  // Delivered before answering: this server's gateway serves the new name once the caller knows it.
  await deps.feed.poke();
  return getModel(deps, newName);
}

/**
 * Soft delete: the model's name becomes free, its versions and events stay in history, and the
 * gateways stop serving it when they see the event. The native door asks for a reason to delete a
 * model with a version in Production; MLflow's door deletes as MLflow does (`whileServing`). A
 * protected model that serves is never deleted.
 */
export async function deleteModel(deps: Deps, actor: string, name: string, reason?: string, opts: { whileServing?: boolean } = {}): Promise<void> {
  await commit(deps, async (trx, append) => {
    const model = await requireModel(trx, name);
    refuseWhileProtected(model, 'deleting it', await servedTargets(trx, model));
    const serving = await stageMembers(trx, [model.id], 'Production');
    if (serving.length > 0 && !reason && !opts.whileServing) {
      throw conflict(
        `model "${name}" has version ${serving.map((v) => v.version).join(', ')} in Production; give a reason to delete it anyway`,
      );
    }
    await updateModelRow(trx, model.id, { deleted_at: deps.clock.now(), updated_at: deps.clock.now() });
    await append({ actor, type: 'model.deleted', model, reason: reason ?? null, details: serving.length ? { was_serving: serving.map((v) => `Production v${v.version}`) } : undefined });
  });
  // Delivered before answering: this server's gateway has stopped serving it once the caller knows.
  await deps.feed.poke();
}

export async function setModelTag(deps: Deps, actor: string, name: string, key: string, value: string) {
  validateTag(key, value);
  await commit(deps, async (trx, append) => {
    const model = await requireModel(trx, name);
    await upsertModelTag(trx, model.id, key, value);
    await updateModelRow(trx, model.id, { updated_at: deps.clock.now() });
    await append({ actor, type: 'model.tag_set', model, details: { key, value } });
  });
}

export async function removeModelTag(deps: Deps, actor: string, name: string, key: string) {
  await commit(deps, async (trx, append) => {
    const model = await requireModel(trx, name);
    if (!(await deleteModelTag(trx, model.id, key))) throw notFound(`model "${name}" has no tag "${key}"`);
    await append({ actor, type: 'model.tag_deleted', model, details: { key } });
  });
}
