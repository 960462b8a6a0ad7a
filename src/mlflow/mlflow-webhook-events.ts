// MLflow's webhook events (mlflow/protos/webhooks.proto, mlflow/entities/webhook.py): entity and
// action enums, the valid pairs, how the REST body spells them, which Stagecraft event each one
// follows, and the example payloads `/test` sends (mlflow/webhooks/types.py).
import { badParam } from './mlflow-errors.js';

// In proto order: the REST API also accepts an enum's number.
const ENTITIES = ['ENTITY_UNSPECIFIED', 'REGISTERED_MODEL', 'MODEL_VERSION', 'MODEL_VERSION_TAG', 'MODEL_VERSION_ALIAS', 'PROMPT', 'PROMPT_VERSION', 'PROMPT_TAG', 'PROMPT_VERSION_TAG', 'PROMPT_ALIAS', 'BUDGET_POLICY'] as const;
const ACTIONS = ['ACTION_UNSPECIFIED', 'CREATED', 'UPDATED', 'DELETED', 'SET', 'EXCEEDED'] as const;

/** Lower case, as MLflow names them in payloads and in `entity.action` strings. */
export interface MlflowEvent {
  entity: string;
  action: string;
}

const VALID: Record<string, string[]> = {
  registered_model: ['created'],
  model_version: ['created'],
  model_version_tag: ['set', 'deleted'],
  model_version_alias: ['created', 'deleted'],
  prompt: ['created'],
  prompt_version: ['created'],
  prompt_tag: ['set', 'deleted'],
  prompt_version_tag: ['set', 'deleted'],
  prompt_alias: ['created', 'deleted'],
  budget_policy: ['exceeded'],
};

/**
 * The Stagecraft event each MLflow event follows. A prompt is a registered model tagged
 * mlflow.prompt.is_prompt=true, so prompt and model events follow the same Stagecraft events and
 * the payload builder tells them apart. budget_policy.exceeded has no Stagecraft counterpart: it
 * is accepted (MLflow accepts it) and never fires here.
 */
export const FOLLOWS: Record<string, string | null> = {
  'registered_model.created': 'model.created',
  'model_version.created': 'version.created',
  'model_version_tag.set': 'version.tag_set',
  'model_version_tag.deleted': 'version.tag_deleted',
  'model_version_alias.created': 'alias.set',
  'model_version_alias.deleted': 'alias.deleted',
  'prompt.created': 'model.created',
  'prompt_version.created': 'version.created',
  'prompt_tag.set': 'model.tag_set',
  'prompt_tag.deleted': 'model.tag_deleted',
  'prompt_version_tag.set': 'version.tag_set',
  'prompt_version_tag.deleted': 'version.tag_deleted',
  'prompt_alias.created': 'alias.set',
  'prompt_alias.deleted': 'alias.deleted',
  'budget_policy.exceeded': null,
};

export const eventName = (e: MlflowEvent) => `${e.entity}.${e.action}`;

/** Python's repr of a string, as MLflow's messages quote values. */
export function pyRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  return q + s.replace(/\\/g, '\\\\').replace(new RegExp(q, 'g'), `\\${q}`) + q;
}

/** Python's json.dumps(sort_keys=True, separators=(',', ':')), as MLflow's type errors echo values. */
function pyJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(pyJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${pyJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

const PY_TYPES: Record<string, string> = { number: 'int', boolean: 'bool', object: 'dict', string: 'str' };

export function typeHint(name: string, v: unknown): Error {
  const t = Array.isArray(v) ? 'list' : (PY_TYPES[typeof v] ?? typeof v);
  return badParam(`Invalid value ${pyJson(v)} for parameter '${name}' supplied:  Hint: Value was of type '${t}'. See the API docs for more information about request parameters.`);
}

function enumValue(values: readonly string[], v: unknown, what: string, field: string): string {
  const name = typeof v === 'number' && Number.isInteger(v) ? values[v] : typeof v === 'string' ? v.toUpperCase() : undefined;
  // MLflow 3 answers an unknown or missing entity/action with a 500 (its entity conversion
  // raises); Stagecraft refuses it with a 400 naming the choices.
  if (!name || !values.includes(name) || name === values[0]) {
    throw badParam(`Invalid value ${pyJson(v ?? null)} for parameter '${field}' supplied: the ${what} must be one of ${values.slice(1).join(', ')}.`);
  }
  return name.toLowerCase();
}

/** One {entity, action} of a request, checked as MLflow's WebhookEvent constructor checks it. */
export function parseEvent(v: unknown, field: string): MlflowEvent {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw typeHint(field, v);
  const o = v as Record<string, unknown>;
  const entity = enumValue(ENTITIES, o.entity, 'entity', `${field}.entity`);
  const action = enumValue(ACTIONS, o.action, 'action', `${field}.action`);
  const valid = VALID[entity] ?? [];
  if (!valid.includes(action)) {
    throw badParam(`Invalid action '${action}' for entity '${entity}'. Valid actions are: [${[...valid].sort().map((a) => `'${a}'`).join(', ')}]`);
  }
  return { entity, action };
}

/** MLflow's `events`: a non-empty list of {entity, action}; duplicates collapse. */
export function parseEvents(v: unknown, field = 'events'): MlflowEvent[] {
  if (!Array.isArray(v)) throw typeHint(field, v);
  if (v.length === 0) throw badParam('Webhook events must be a non-empty list of WebhookEvent objects: [].');
  const out = new Map<string, MlflowEvent>();
  v.forEach((e, i) => {
    const ev = parseEvent(e, `${field}[${i}]`);
    out.set(eventName(ev), ev);
  });
  return [...out.values()];
}

/** As the REST API writes an event: enum names. */
export const eventJson = (e: MlflowEvent) => ({ entity: e.entity.toUpperCase(), action: e.action.toUpperCase() });

const EXAMPLES: Record<string, Record<string, unknown>> = {
  'registered_model.created': { name: 'example_model', tags: { example_key: 'example_value' }, description: 'An example registered model' },
  'model_version.created': { name: 'example_model', version: '1', source: 'models:/123', run_id: 'abcd1234abcd5678', tags: { example_key: 'example_value' }, description: 'An example model version' },
  'model_version_tag.set': { name: 'example_model', version: '1', key: 'example_key', value: 'example_value' },
  'model_version_tag.deleted': { name: 'example_model', version: '1', key: 'example_key' },
  'model_version_alias.created': { name: 'example_model', alias: 'example_alias', version: '1' },
  'model_version_alias.deleted': { name: 'example_model', alias: 'example_alias' },
  'prompt.created': { name: 'example_prompt', tags: { example_key: 'example_value' }, description: 'An example prompt' },
  'prompt_version.created': { name: 'example_prompt', version: '1', template: 'Hello {{name}}!', tags: { example_key: 'example_value' }, description: 'An example prompt version' },
  'prompt_tag.set': { name: 'example_prompt', key: 'example_key', value: 'example_value' },
  'prompt_tag.deleted': { name: 'example_prompt', key: 'example_key' },
  'prompt_version_tag.set': { name: 'example_prompt', version: '1', key: 'example_key', value: 'example_value' },
  'prompt_version_tag.deleted': { name: 'example_prompt', version: '1', key: 'example_key' },
  'prompt_alias.created': { name: 'example_prompt', alias: 'example_alias', version: '1' },
  'prompt_alias.deleted': { name: 'example_prompt', alias: 'example_alias' },
  'budget_policy.exceeded': {
    budget_policy_id: 'bp-abc123',
    budget_unit: 'USD',
    budget_amount: 100.0,
    current_spend: 105.5,
    duration_unit: 'MONTHS',
    duration_value: 1,
    target_scope: 'WORKSPACE',
    workspace: 'default',
    window_start: 1704067200000,
  },
};

export function examplePayload(e: MlflowEvent): Record<string, unknown> {
  return EXAMPLES[eventName(e)];
}
