// Which stages need an approval, in a model archive (`stagecraft export` / `import`): the approvals'
// part of the kernel's ModelTransferPart contract. Pending requests stay behind: they belong to the
// people of the server they were asked on.
import { invalid } from '../../errors.js';
import { canonicalStage, SERVING_STAGES, type ModelTransferPart } from '../../registry/index.js';
import { findPolicy, upsertPolicy } from './approvals-store.js';

export const approvalsTransfer: ModelTransferPart = {
  name: 'approvals',
  async export(db, model) {
    const row = await findPolicy(db, model.id);
    return row ? { stages: JSON.parse(row.stages) as string[] } : null;
  },
  async import(db, model, data, ctx) {
    const raw = (data as { stages?: unknown } | null)?.stages;
    if (!Array.isArray(raw)) throw invalid('settings "approvals": stages must be a list');
    const stages = [...new Set(raw.map((s) => canonicalStage(String(s))))];
    for (const s of stages) if (!(SERVING_STAGES as string[]).includes(s)) throw invalid(`settings "approvals": approval applies to Staging or Production, not ${s}`);
    await upsertPolicy(db, { model_id: model.id, stages: JSON.stringify(stages), updated_at: ctx.now, updated_by: ctx.actor });
  },
};
