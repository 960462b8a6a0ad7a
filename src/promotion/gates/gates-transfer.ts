// The model's validation gates in a model archive (`stagecraft export` / `import`): the gates'
// part of the kernel's ModelTransferPart contract, normalized as `gates set` does. A holdout names
// a blob by digest: blobs() tells the export to carry it, so the gates run on the other side too.
import type { ModelTransferPart } from '../../registry/index.js';
import { normalizeGates, type GatesConfig } from './gates.js';
import { findGates, upsertGates } from './gates-store.js';

export const gatesTransfer: ModelTransferPart = {
  name: 'gates',
  async export(db, model) {
    const row = await findGates(db, model.id);
    return row ? { gates: JSON.parse(row.config) as GatesConfig } : null;
  },
  async import(db, model, data, ctx) {
    const gates = (data as { gates?: Partial<GatesConfig> } | null)?.gates;
    if (!gates) return;
    await upsertGates(db, { model_id: model.id, config: JSON.stringify(normalizeGates(gates)), updated_at: ctx.now, updated_by: ctx.actor });
  },
  blobs(data) {
    const sha256 = (data as { gates?: Partial<GatesConfig> } | null)?.gates?.holdout?.sha256;
    return sha256 ? [sha256] : [];
  },
};
