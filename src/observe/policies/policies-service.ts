// Setting and reading a model's health policy; every change is audited.
import type { Deps } from '../../deps.js';
import { notFound } from '../../errors.js';
import { commit, requireModel } from '../../registry/index.js';
import { validatePolicy, type Policy } from './policies.js';
import { allPolicies, deletePolicyRow, findPolicy, writePolicy } from './policies-store.js';

export async function setPolicy(deps: Deps, actor: string, modelName: string, raw: unknown): Promise<Policy> {
  const policy = validatePolicy(raw, modelName);
  await commit(deps, async (trx, append) => {
    const model = await requireModel(trx, modelName);
    await writePolicy(trx, policy, actor, deps.clock.now());
    await append({ actor, type: 'policy.set', model, details: { policy } });
  });
  return policy;
}

export async function getPolicy(deps: Deps, modelName: string): Promise<Policy> {
  await requireModel(deps.db, modelName);
  const policy = await findPolicy(deps.db, modelName);
  if (!policy) throw notFound(`model "${modelName}" has no health policy; set one with \`stagecraft policies set ${modelName} FILE.yaml\``);
  return policy;
}

export async function deletePolicy(deps: Deps, actor: string, modelName: string): Promise<void> {
  await commit(deps, async (trx, append) => {
    const model = await requireModel(trx, modelName);
    if (!(await deletePolicyRow(trx, modelName))) throw notFound(`model "${modelName}" has no health policy`);
    await append({ actor, type: 'policy.deleted', model });
  });
}

/** The model's policy, or null without one (for readers that already hold the model, such as the guard). */
export function findModelPolicy(deps: Deps, modelName: string): Promise<Policy | null> {
  return findPolicy(deps.db, modelName);
}

/** Every model's policy, by model name: what the guard evaluates on each pass. */
export function listPolicies(deps: Deps): Promise<Policy[]> {
  return allPolicies(deps.db);
}
