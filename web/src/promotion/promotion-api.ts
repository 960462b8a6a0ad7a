// The safe-promotion endpoints (rollouts, shadows, approvals, drills, validation reports) as the
// UI uses them, over the same typed SDK client as the rest of web/src/api.ts.
import { unwrap, type ApiClient } from '../../../sdk/client';
import type { OkBody } from '../../../sdk/types';

type Guard = <T>(pending: Promise<T>) => Promise<T>;

export type Rollout = OkBody<'/api/v1/models/{name}/rollout', 'get'>;
export type RolloutAnalysis = Rollout['analyses'][number];
export type Shadow = OkBody<'/api/v1/models/{name}/shadow', 'get'>;
export type Approval = OkBody<'/api/v1/approvals', 'get'>['approvals'][number];
export type Drills = OkBody<'/api/v1/models/{name}/drills', 'get'>;
export type Drill = Drills['drills'][number];
export type ValidationReport = OkBody<'/api/v1/models/{name}/versions/{version}/validation', 'get'>;
export type PromotionSummary = OkBody<'/api/v1/promotions', 'get'>['models'][number];
export type RolloutAction = 'pause' | 'resume' | 'abort' | 'promote';

export function promotionApi(api: ApiClient, guard: Guard) {
  const model = (name: string) => ({ path: { name } });
  const rolloutPaths = {
    pause: '/api/v1/models/{name}/rollout/pause',
    resume: '/api/v1/models/{name}/rollout/resume',
    abort: '/api/v1/models/{name}/rollout/abort',
    promote: '/api/v1/models/{name}/rollout/promote',
  } as const;
  return {
    rollout: (name: string, signal?: AbortSignal) => guard(unwrap(api.GET('/api/v1/models/{name}/rollout', { params: model(name), signal }))),
    rolloutAction: (name: string, action: RolloutAction, reason?: string) =>
      guard(unwrap(api.POST(rolloutPaths[action], { params: model(name), body: reason ? { reason } : {} }))),
    shadow: (name: string, signal?: AbortSignal) => guard(unwrap(api.GET('/api/v1/models/{name}/shadow', { params: model(name), signal }))),
    approvals: (q: { model?: string; status?: 'pending' | 'approved' | 'rejected'; limit?: number }, signal?: AbortSignal) =>
      guard(unwrap(api.GET('/api/v1/approvals', { params: { query: q }, signal }))),
    decide: (id: number, decision: 'approve' | 'reject', comment?: string) =>
      decision === 'approve'
        ? guard(unwrap(api.POST('/api/v1/approvals/{id}/approve', { params: { path: { id } }, body: comment ? { comment } : {} })))
        : guard(unwrap(api.POST('/api/v1/approvals/{id}/reject', { params: { path: { id } }, body: comment ? { comment } : {} }))),
    drills: (name: string, signal?: AbortSignal) => guard(unwrap(api.GET('/api/v1/models/{name}/drills', { params: model(name), signal }))),
    /** One request for the whole models list: who has a canary, a shadow, approvals, a passed drill. */
    summaries: (signal?: AbortSignal) => guard(unwrap(api.GET('/api/v1/promotions', { signal }))),
    validation: (name: string, version: number, signal?: AbortSignal) =>
      guard(unwrap(api.GET('/api/v1/models/{name}/versions/{version}/validation', { params: { path: { name, version } }, signal }))),
  };
}

