// Registered models: naming and tag rules.
import { invalid } from '../../errors.js';
import type { Selectable } from 'kysely';
import type { ModelsTable } from './models-store.js';

/** A model as stored. */
export type ModelRow = Selectable<ModelsTable>;

// Control characters make names unprintable in logs and URIs; '/' makes models:/ URIs ambiguous.
// eslint-disable-next-line no-control-regex -- matching control characters is what it is for
export const CONTROL_RE = /[\u0000-\u001f\u007f]/;

export function validateModelName(name: string): string {
  if (typeof name !== 'string' || name.length === 0) throw invalid('model name must not be empty');
  if (name.length > 256) throw invalid(`model name is ${name.length} characters long; the limit is 256`);
  if (name.trim() !== name || name.trim().length === 0)
    throw invalid('model name must not start or end with whitespace');
  if (name.includes('/')) throw invalid(`model name "${name}" must not contain "/"`);
  if (CONTROL_RE.test(name)) throw invalid('model name must not contain control characters');
  return name;
}

export function validateTag(key: string, value: string): void {
  if (!key || key.length > 250) throw invalid('tag key must be 1 to 250 characters');
  if (CONTROL_RE.test(key)) throw invalid('tag key must not contain control characters');
  if (value.length > 5000) throw invalid(`tag "${key}" value is longer than 5000 characters`);
}

export function validateDescription(description: string): string {
  if (description.length > 100_000) throw invalid('description is longer than 100000 characters');
  return description;
}
