// MLflow's validation rules with MLflow's messages (checked before calling Stagecraft's services,
// whose own rules are the same or looser, so an MLflow client sees the errors it expects).
import { STAGES, type Stage } from '../registry/index.js';
import { badParam } from './mlflow-errors.js';

const TAG_KEY_RE = /^[/\w.\- :]*$/u;
/** Stagecraft's tag column limit; MLflow's SQL store has the same 5000 for registered-model tags. */
export const MAX_TAG_VALUE = 5000;

export function validateTagKey(key: string): string {
  if (!TAG_KEY_RE.test(key)) {
    throw badParam(
      `Invalid value "${key}" for parameter 'key' supplied: Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`,
    );
  }
  if (key.length > 250) throw badParam("'key' exceeds the maximum length of 250 characters");
  // posixpath.normpath(key) must equal key: no ".", "..", leading "/", "a//b" or trailing "/".
  const segments = key.split('/');
  if (key.startsWith('/') || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw badParam(
      `Invalid value "${key}" for parameter 'key' supplied: Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '${posixNormpath(key)}'`,
    );
  }
  return key;
}

/** Python's posixpath.normpath (MLflow names the path a bad key would resolve to). */
export function posixNormpath(path: string): string {
  if (path === '') return '.';
  const lead = path.startsWith('//') && !path.startsWith('///') ? 2 : path.startsWith('/') ? 1 : 0;
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg !== '..' || (!lead && out.length === 0) || out[out.length - 1] === '..') out.push(seg);
    else if (out.length) out.pop();
  }
  return '/'.repeat(lead) + out.join('/') || '.';
}

export function validateTagValue(value: string): string {
  if (value.length > MAX_TAG_VALUE) throw badParam(`'value' exceeds the maximum length of ${MAX_TAG_VALUE} characters`);
  return value;
}

export function validateTags(tags: Array<{ key: string; value: string }>): void {
  for (const t of tags) {
    validateTagKey(t.key);
    validateTagValue(t.value);
  }
}

const ALIAS_RE = /^[\w-]*$/u;

export function checkAliasChars(alias: string): string {
  if (!ALIAS_RE.test(alias)) {
    throw badParam(`Invalid alias name: '${alias}'. Names may only contain alphanumerics, underscores (_), and dashes (-).`);
  }
  return alias;
}

export function validateAliasName(alias: string): string {
  checkAliasChars(alias);
  if (alias.length > 255) throw badParam("'Registered model alias name' exceeds the maximum length of 255 characters");
  if (alias.toLowerCase() === 'latest') throw badParam("'latest' alias name (case insensitive) is reserved.");
  if (/^[vV]\d+$/.test(alias)) throw badParam(`Version alias name '${alias}' is reserved.`);
  return alias;
}

export function mlflowStage(input: string): Stage {
  const found = STAGES.find((s) => s.toLowerCase() === input.toLowerCase());
  if (!found) throw badParam(`Invalid Model Version stage: ${input}. Value must be one of ${STAGES.join(', ')}.`);
  return found;
}

/** Model names: Stagecraft's rule (no "/", no control characters, at most 256) plus MLflow 3's ":" and its file store's "%" bans. */
export function validateRegisteredModelName(name: string): string {
  // MLflow 3 refuses both; Stagecraft's own rule refuses "/" too (models:/ URIs).
  if (name.includes('/') || name.includes(':')) throw badParam(`Invalid model name '${name}'. Names cannot contain '/' or ':'.`);
  if (name.includes('%')) throw badParam(`Invalid name '${name}': a registered model name must not contain '%'.`);
  return name;
}
