// The model's health policy in a model archive (`stagecraft export` / `import`): observe's part of
// the kernel's ModelTransferPart contract. Stored by model name, so an import under `--as NAME`
// rewrites the name the policy carries; the same validation as `policies set` applies.
import type { ModelTransferPart } from '../../registry/index.js';
import { validatePolicy } from './policies.js';
import { findPolicy, writePolicy } from './policies-store.js';

export const policyTransfer: ModelTransferPart = {
  name: 'observe',
  async export(db, model) {
    const policy = await findPolicy(db, model.name);
    return policy ? { policy } : null;
  },
  async import(db, model, data, ctx) {
    const raw = (data as { policy?: Record<string, unknown> } | null)?.policy;
    if (!raw) return;
    await writePolicy(db, validatePolicy({ ...raw, model: model.name }, model.name), ctx.actor, ctx.now);
  },
};
