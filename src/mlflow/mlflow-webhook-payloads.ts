// What MLflow would have sent for a Stagecraft event: the entity/action and the payload its server
// builds in mlflow/server/handlers.py. Every change reaches webhooks through the event feed, so a
// version registered through either door, an alias moved by a rollback, a tag set by the CLI all
// arrive as MLflow events. A prompt is a registered model tagged mlflow.prompt.is_prompt=true:
// its events are prompt_* with the prompt tags left out, as MLflow does.
import type { Deps } from '../deps.js';
import { findModel, findNamedVersion, tagsAndAliasesOfModels, type RegistryEvent } from '../registry/index.js';
import type { MlflowEvent } from './mlflow-webhook-events.js';
import { versionsJson } from './mlflow-serializers.js';

const IS_PROMPT = 'mlflow.prompt.is_prompt';
const PROMPT_TYPE = '_mlflow_prompt_type';
const PROMPT_TEXT = 'mlflow.prompt.text';

export interface MlflowDelivery {
  event: MlflowEvent;
  data: Record<string, unknown>;
}

type Tags = Record<string, string>;

const without = (tags: Tags, keys: string[]) => Object.fromEntries(Object.entries(tags).filter(([k]) => !keys.includes(k)));

async function isPrompt(deps: Deps, name: string): Promise<boolean> {
  const model = await findModel(deps.db, name);
  if (!model) return false;
  const { tags } = await tagsAndAliasesOfModels(deps.db, [model.id]);
  return tags.some((t) => t.key === IS_PROMPT && t.value.toLowerCase() === 'true');
}

async function versionCreated(deps: Deps, name: string, version: number, details: Record<string, unknown>): Promise<MlflowDelivery> {
  const row = await findNamedVersion(deps.db, name, version);
  const [json] = row ? await versionsJson(deps.db, [row]) : [];
  const tags: Tags = Object.fromEntries(((json?.tags ?? []) as Array<{ key: string; value: string }>).map((t) => [t.key, t.value]));
  const description = (json?.description as string | undefined) || null;
  if (tags[IS_PROMPT]?.toLowerCase() === 'true' || (await isPrompt(deps, name))) {
    return {
      event: { entity: 'prompt_version', action: 'created' },
      data: { name, version: String(version), template: tags[PROMPT_TEXT] ?? null, tags: without(tags, [PROMPT_TEXT, IS_PROMPT, PROMPT_TYPE]), description },
    };
  }
  return {
    event: { entity: 'model_version', action: 'created' },
    data: { name, version: String(version), source: (json?.source as string | undefined) ?? (details.source as string | null) ?? '', run_id: (json?.run_id as string | undefined) || null, tags, description },
  };
}

/** The MLflow event a Stagecraft event is, with its payload; null when MLflow has no such event. */
export async function mlflowEventOf(deps: Deps, e: RegistryEvent): Promise<MlflowDelivery | null> {
  const name = e.model;
  if (!name) return null;
  const d = e.details;
  const prompt = () => isPrompt(deps, name);
  const alias = e.target?.startsWith('alias:') ? e.target.slice('alias:'.length) : '';
  switch (e.type) {
    case 'model.created': {
      const tags = (d.tags ?? {}) as Tags;
      const description = (d.description as string | null | undefined) ?? '';
      if (tags[IS_PROMPT]?.toLowerCase() === 'true') return { event: { entity: 'prompt', action: 'created' }, data: { name, tags: without(tags, [IS_PROMPT, PROMPT_TYPE]), description } };
      return { event: { entity: 'registered_model', action: 'created' }, data: { name, tags, description } };
    }
    // MLflow sends no event for a registered model's tags, only for a prompt's.
    case 'model.tag_set':
      return (await prompt()) ? { event: { entity: 'prompt_tag', action: 'set' }, data: { name, key: d.key, value: d.value } } : null;
    case 'model.tag_deleted':
      return (await prompt()) ? { event: { entity: 'prompt_tag', action: 'deleted' }, data: { name, key: d.key } } : null;
    case 'version.created':
      return e.version === null ? null : versionCreated(deps, name, e.version, d);
    case 'version.tag_set':
      return { event: { entity: (await prompt()) ? 'prompt_version_tag' : 'model_version_tag', action: 'set' }, data: { name, version: String(e.version), key: d.key, value: d.value } };
    case 'version.tag_deleted':
      return { event: { entity: (await prompt()) ? 'prompt_version_tag' : 'model_version_tag', action: 'deleted' }, data: { name, version: String(e.version), key: d.key } };
    case 'alias.set':
      return { event: { entity: (await prompt()) ? 'prompt_alias' : 'model_version_alias', action: 'created' }, data: { name, alias, version: String(e.to) } };
    case 'alias.deleted':
      return { event: { entity: (await prompt()) ? 'prompt_alias' : 'model_version_alias', action: 'deleted' }, data: { name, alias } };
    default:
      return null;
  }
}
