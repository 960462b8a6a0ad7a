// Canary rollouts: start a candidate on a share of a model's traffic, judge each step against the
// baseline (successful -> next step, failed -> abort, inconclusive -> pause), promote at 100%
// through the normal transition. Every move is an event, which is also how gateways learn the split.
import type { Deps } from '../deps.js';
import { AppError, conflict, invalid, notFound } from '../errors.js';
import { commit, getModel, markHealth, requireModel, requireVersion, transitionStage, withModelNames, type Append, type EventType, type RegistryEvent } from '../registry/index.js';
import { requireFreeExperimentSlot } from './experiment-slot.js';
import { activeRollout, activeRollouts, insertRollout, latestRollout, updateRollout, type RolloutRow } from './rollouts-store.js';
import { policyAnalysis, type PolicyCheck } from './policy-analysis.js';
import { DEFAULT_CRITERIA, judge, parseSteps, type Analysis, type Criteria, type Outcome, type RolloutState, type RolloutStatus } from './rollouts.js';
import type { VersionStats } from './version-stats.js';

export interface StartInput {
  version: number;
  steps?: number[];
  step_minutes?: number;
  key_header?: string;
  criteria?: Partial<Criteria>;
}

export interface RolloutView {
  id: string;
  model: string;
  version: number;
  baseline_version: number;
  status: RolloutStatus;
  weight: number;
  steps: number[];
  step_index: number;
  step_minutes: number;
  key_header: string | null;
  criteria: Criteria;
  analyses: Analysis[];
  ended_reason: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

const iso = (ms: number) => new Date(Number(ms)).toISOString();
type Stored = RolloutState & { window_from: number; started_wall: number };
const stateOf = (row: RolloutRow) => JSON.parse(row.state) as Stored;

function toView(row: RolloutRow, model: string): RolloutView {
  const s = stateOf(row);
  return {
    id: row.id,
    model,
    version: row.version,
    baseline_version: row.baseline_version,
    status: row.status as RolloutStatus,
    weight: row.status === 'running' || row.status === 'paused' ? s.steps[s.step_index] : 0,
    steps: s.steps,
    step_index: s.step_index,
    step_minutes: s.step_ms / 60_000,
    key_header: s.key_header,
    criteria: s.criteria,
    analyses: s.analyses,
    ended_reason: s.ended_reason,
    created_by: row.created_by,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

const splitDetails = (row: RolloutRow, s: RolloutState) => ({ rollout_id: row.id, candidate: row.version, baseline: row.baseline_version, weight: s.steps[s.step_index], key_header: s.key_header });

export async function startRollout(deps: Deps, actor: string, modelName: string, input: StartInput): Promise<RolloutView> {
  const steps = parseSteps(input.steps ?? [10, 25, 50, 100]);
  const stepMinutes = input.step_minutes ?? 5;
  if (!(stepMinutes > 0)) throw invalid('step_minutes must be above 0');
  const { model, row: cand } = await requireVersion(deps.db, modelName, input.version);
  const baseline = (await getModel(deps, modelName)).stages.Production;
  if (baseline === null) throw conflict(`"${modelName}" has no Production version to compare a canary with; promote one first`);
  if (baseline === input.version) throw conflict(`version ${input.version} already holds Production`);
  if (cand.status !== 'READY') throw conflict(`version ${input.version} is ${cand.status}`);
  if (cand.health === 'failed') throw conflict(`version ${input.version} is marked failed (${cand.health_reason ?? 'no reason'})`);
  const now = deps.clock.now();
  const state: Stored = {
    steps,
    step_index: 0,
    step_ms: stepMinutes * 60_000,
    step_started_at: now,
    // Gateways time their observations with the wall clock, so the analysis window uses it too.
    window_from: Date.now(),
    started_wall: Date.now(),
    key_header: input.key_header?.toLowerCase() ?? null,
    criteria: { ...DEFAULT_CRITERIA, ...input.criteria },
    analyses: [],
    ended_reason: null,
  };
  const row: RolloutRow = { id: deps.ids.uuid(), model_id: model.id, version: input.version, baseline_version: baseline, status: 'running', state: JSON.stringify(state), created_by: actor, created_at: now, updated_at: now };
  await commit(deps, async (trx, append) => {
    await requireFreeExperimentSlot(trx, { id: model.id, name: modelName }, 'canary');
    await insertRollout(trx, row);
    await append({ actor, type: 'rollout.started', model, version: input.version, details: { ...splitDetails(row, state), steps, step_minutes: stepMinutes } });
  });
  return toView(row, model.name);
}

export async function getRollout(deps: Deps, modelName: string): Promise<RolloutView> {
  const model = await requireModel(deps.db, modelName);
  const row = await latestRollout(deps.db, model.id);
  if (!row) throw notFound(`"${modelName}" has never had a rollout`);
  return toView(row, model.name);
}

type Move = { status: RolloutStatus; type: EventType; reason: string | null; details?: Record<string, unknown> };

/** Writes the rollout's next state and its event in one transaction, conditional on what was read. */
async function move(deps: Deps, actor: string, modelName: string, row: RolloutRow, state: RolloutState, m: Move, extra?: (append: Append) => Promise<void>) {
  const now = deps.clock.now();
  const model = { id: row.model_id, name: modelName };
  await commit(deps, async (trx, append) => {
    if (!(await updateRollout(trx, row.id, row.updated_at, { status: m.status, state: JSON.stringify(state), updated_at: now }))) {
      throw conflict(`rollout ${row.id} changed concurrently; look again`);
    }
    await append({ actor, type: m.type, model, version: row.version, reason: m.reason, details: { ...splitDetails(row, state), status: m.status, ...m.details } });
    await extra?.(append);
  });
  return { ...row, status: m.status, state: JSON.stringify(state), updated_at: now };
}

async function requireActive(deps: Deps, modelName: string, statuses: RolloutStatus[]) {
  const model = await requireModel(deps.db, modelName);
  const row = await activeRollout(deps.db, model.id);
  if (!row || !statuses.includes(row.status as RolloutStatus)) throw conflict(`"${modelName}" has no ${statuses.join(' or ')} rollout`);
  return { model, row };
}

export async function pauseRollout(deps: Deps, actor: string, modelName: string, reason?: string) {
  const { model, row } = await requireActive(deps, modelName, ['running']);
  const s = stateOf(row);
  return toView(await move(deps, actor, model.name, row, s, { status: 'paused', type: 'rollout.paused', reason: reason ?? 'paused by hand' }), model.name);
}

export async function resumeRollout(deps: Deps, actor: string, modelName: string) {
  const { model, row } = await requireActive(deps, modelName, ['paused']);
  // A resumed step starts a fresh window: the data that was too thin to judge is not reused.
  const s = { ...stateOf(row), step_started_at: deps.clock.now(), window_from: Date.now() };
  return toView(await move(deps, actor, model.name, row, s, { status: 'running', type: 'rollout.resumed', reason: null }), model.name);
}

export async function abortRollout(deps: Deps, actor: string, modelName: string, reason: string, evidence?: Analysis) {
  const { model, row } = await requireActive(deps, modelName, ['running', 'paused']);
  const s = { ...stateOf(row), ended_reason: reason };
  const moved = await move(deps, actor, model.name, row, s, { status: 'aborted', type: 'rollout.aborted', reason, details: evidence ? { evidence } : {} });
  // Traffic is already back on the baseline (the abort event removed the split); then the mark.
  if (evidence) await markHealth(deps, actor, model.name, row.version, 'failed', `canary analysis failed at ${evidence.weight}%: ${evidence.reasons.join('; ')}`, { cause: 'rollout', evidence });
  return toView(moved, model.name);
}

/** Promote the candidate now, through the normal transition (gates and approvals apply). */
export async function promoteRollout(deps: Deps, actor: string, modelName: string, reason?: string) {
  const { model, row } = await requireActive(deps, modelName, ['running', 'paused']);
  await transitionStage(deps, actor, model.name, row.version, { stage: 'Production', archive_existing_versions: true, reason: reason ?? `canary rollout ${row.id} promoted` });
  const s = { ...stateOf(row), ended_reason: reason ?? 'promoted' };
  return toView(await move(deps, actor, model.name, row, s, { status: 'completed', type: 'rollout.completed', reason: reason ?? 'promoted' }), model.name);
}

const RANK: Record<Outcome, number> = { successful: 0, inconclusive: 1, failed: 2 };

/** The worse of the request-level judgement and the policy rules (Argo: Successful < Inconclusive < Failed). */
function combine(own: { outcome: Outcome; reasons: string[] }, policy: PolicyCheck[]): { outcome: Outcome; reasons: string[] } {
  let outcome = own.outcome;
  const reasons = own.outcome === 'successful' ? [] : [...own.reasons];
  for (const p of policy) {
    const o: Outcome = p.verdict === 'fail' ? 'failed' : p.verdict === 'inconclusive' ? 'inconclusive' : 'successful';
    if (o !== 'successful') reasons.push(`policy ${p.metric}${o === 'inconclusive' ? ' inconclusive' : ''}: ${p.detail} (candidate ${p.candidate ?? '-'}, baseline ${p.baseline ?? '-'})`);
    if (RANK[o] > RANK[outcome]) outcome = o;
  }
  return { outcome, reasons: reasons.length ? reasons : own.reasons };
}

/** One analysis of a running rollout whose step time is up; acts on the outcome. */
async function analyzeStep(deps: Deps, stats: VersionStats, modelName: string, row: RolloutRow) {
  const s = stateOf(row);
  const candidate = stats.since(modelName, row.version, s.window_from);
  // At 100% the baseline gets no traffic in the step; it is judged against its numbers over the whole rollout.
  const baselineFrom = s.steps[s.step_index] >= 100 ? s.started_wall : s.window_from;
  const baseline = stats.since(modelName, row.baseline_version, baselineFrom);
  const own = judge(candidate, baseline, s.criteria);
  const policy = await policyAnalysis(deps, modelName, row.version, row.baseline_version, baselineFrom);
  const j = combine(own, policy);
  const analysis: Analysis = { step: s.step_index, weight: s.steps[s.step_index], outcome: j.outcome, reasons: j.reasons, candidate, baseline, policy, at: iso(deps.clock.now()) };
  s.analyses = [...s.analyses, analysis];
  const actor = 'rollout';
  if (j.outcome === 'failed') {
    await move(deps, actor, modelName, row, s, { status: 'running', type: 'rollout.analysis', reason: j.reasons.join('; '), details: { outcome: j.outcome, analysis } });
    return abortRollout(deps, actor, modelName, `analysis failed at ${analysis.weight}%: ${j.reasons.join('; ')}`, analysis);
  }
  if (j.outcome === 'inconclusive') {
    return toView(await move(deps, actor, modelName, row, s, { status: 'paused', type: 'rollout.paused', reason: `inconclusive: ${j.reasons.join('; ')}`, details: { outcome: j.outcome, analysis } }), modelName);
  }
  if (s.step_index === s.steps.length - 1) {
    const done = await move(deps, actor, modelName, row, s, { status: 'running', type: 'rollout.analysis', reason: null, details: { outcome: j.outcome, analysis } });
    try {
      return await promoteRollout(deps, actor, modelName, `canary rollout ${done.id}: every step passed analysis`);
    } catch (err) {
      // Gates or an approval policy refused the promotion: hold at 100% for a person, never retry every tick.
      if (!(err instanceof AppError)) throw err;
      return pauseRollout(deps, actor, modelName, `promotion refused: ${err.message}`);
    }
  }
  const next = { ...s, step_index: s.step_index + 1, step_started_at: deps.clock.now(), window_from: Date.now() };
  return toView(await move(deps, actor, modelName, row, next, { status: 'running', type: 'rollout.step', reason: `step ${s.step_index + 1} passed analysis`, details: { outcome: j.outcome, analysis } }), modelName);
}

/** Every running or paused rollout of a live model, with the model's name (two queries, whatever their number). */
async function namedActiveRollouts(deps: Deps) {
  return withModelNames(deps.db, await activeRollouts(deps.db));
}

/**
 * Advances every running rollout whose step time is up, and ends those a manual promotion or
 * rollback overtook. Called by the module's timer and, in tests, directly with an injected clock.
 */
export async function tickRollouts(deps: Deps, stats: VersionStats): Promise<RolloutView[]> {
  const changed: RolloutView[] = [];
  // Paused rollouts are looked at too: an approval or a person may have moved Production meanwhile.
  for (const { model_name, ...row } of await namedActiveRollouts(deps)) {
    const model = { name: model_name };
    try {
      const production = (await getModel(deps, model.name)).stages.Production;
      if (production !== row.baseline_version) {
        const why = production === row.version ? 'candidate promoted by hand' : `Production moved to ${production ?? 'nothing'} outside the rollout`;
        const s = { ...stateOf(row), ended_reason: why };
        changed.push(toView(await move(deps, 'rollout', model.name, row, s, { status: production === row.version ? 'completed' : 'aborted', type: 'rollout.ended', reason: why }), model.name));
        continue;
      }
      const s = stateOf(row);
      if (row.status !== 'running' || deps.clock.now() - s.step_started_at < s.step_ms) continue;
      changed.push(await analyzeStep(deps, stats, model.name, row));
    } catch (err) {
      deps.log.warn({ err: (err as Error).message, rollout: row.id }, 'rollout tick failed; will retry');
    }
  }
  return changed;
}

/** Every running or paused rollout in one query (the UI's models list badges). */
export async function activeRolloutSummaries(deps: Deps) {
  const rows = await namedActiveRollouts(deps);
  return rows.map((r) => ({ model: r.model_name, version: r.version, baseline_version: r.baseline_version, status: r.status, weight: stateOf(r).steps[stateOf(r).step_index] ?? 0 }));
}

/** The split every active rollout asks for, as the event a gateway would have followed (for a gateway that starts mid-rollout). */
export async function activeRolloutEvents(deps: Deps): Promise<RegistryEvent[]> {
  const rows = await namedActiveRollouts(deps);
  return rows.map((r) => {
    const s = stateOf(r);
    return { id: 0, time: iso(r.updated_at), time_ms: Number(r.updated_at), actor: 'rollout', model: r.model_name, version: r.version, type: 'rollout.step', target: null, from: null, to: null, reason: 'restored', details: splitDetails(r, s) };
  });
}
