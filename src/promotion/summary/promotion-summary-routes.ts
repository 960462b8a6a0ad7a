// One read for the models list: which models have a canary or a shadow in progress, pending
// approvals, and when their last rollback drill passed. A handful of set-wise queries whatever the
// number of models, instead of four requests per row of a 1,000-model list.
import { Type } from 'typebox';
import type { App } from '../../http/app-types.js';
import { errorResponses, Nullable } from '../../http/common-schemas.js';
import type { Deps } from '../../deps.js';
import { readableBy } from '../../registry/index.js';
import { listApprovalRequests } from '../approvals/approvals-service.js';
import { activeRolloutSummaries, lastPassedDrills, runningShadowSummaries } from '../../experiments/index.js';

/** Enough for any real backlog; the list shows a count, not the requests. */
const PENDING_LIMIT = 500;

export const PromotionSummarySchema = Type.Object({
  name: Type.String(),
  rollout: Nullable(Type.Object({ version: Type.Integer(), baseline_version: Type.Integer(), status: Type.String(), weight: Type.Integer() })),
  shadow: Nullable(Type.Object({ version: Type.Integer(), percent: Type.Number() })),
  pending_approvals: Type.Integer(),
  last_passed_drill_at: Nullable(Type.String()),
});
interface Summary {
  name: string;
  rollout: { version: number; baseline_version: number; status: string; weight: number } | null;
  shadow: { version: number; percent: number } | null;
  pending_approvals: number;
  last_passed_drill_at: string | null;
}

export async function promotionSummaries(deps: Deps): Promise<Summary[]> {
  const [rollouts, shadows, pending, drills] = await Promise.all([
    activeRolloutSummaries(deps),
    runningShadowSummaries(deps),
    listApprovalRequests(deps, { status: 'pending', limit: PENDING_LIMIT }),
    lastPassedDrills(deps),
  ]);
  const byName = new Map<string, Summary>();
  const entry = (name: string) => {
    let s = byName.get(name);
    if (!s) byName.set(name, (s = { name, rollout: null, shadow: null, pending_approvals: 0, last_passed_drill_at: null }));
    return s;
  };
  for (const r of rollouts) entry(r.model).rollout = { version: r.version, baseline_version: r.baseline_version, status: r.status, weight: r.weight };
  for (const s of shadows) entry(s.model).shadow = { version: s.version, percent: s.percent };
  for (const a of pending.approvals) entry(a.model).pending_approvals++;
  for (const [name, at] of drills) entry(name).last_passed_drill_at = at;
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export function promotionSummaryRoutes(app: App, deps: Deps): void {
  app.get(
    '/api/v1/promotions',
    {
      config: { permission: 'read', model: { list: true } },
      schema: {
        tags: ['rollouts'],
        summary: 'Models with a rollout or shadow in progress, pending approvals, or a passed drill (one entry each)',
        response: { 200: Type.Object({ models: Type.Array(PromotionSummarySchema) }), ...errorResponses },
      },
    },
    async (req) => {
      const readable = readableBy(req);
      return { models: (await promotionSummaries(deps)).filter((m) => readable(m.name)) };
    },
  );
}
