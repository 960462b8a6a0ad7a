// Rollback drills: rehearse a rollback where it cannot hurt. In Staging: promote a candidate, wait
// until it is served, roll back, wait until the previous version is served again, and measure both
// switches and whether any probe request failed. Staging is left as it was, the candidate restored.
import type { Deps } from '../../deps.js';
import { conflict, invalid } from '../../errors.js';
import {
  commit,
  getModel,
  listVersions,
  markHealth,
  requireModel,
  requireVersion,
  rollback,
  stageTarget,
  transitionStage,
  withModelNames,
  type Health,
} from '../../registry/index.js';
import { modelStatus } from '../../serving/replicas/convergence.js';
import { drillsOf, insertDrill, lastPassedPerModel, lastPassingDrill } from './drills-store.js';

/**
 * Sends one inference to the model's version in `stage` and says which version answered: through
 * this server's own gateway, or — given a replica's reported URL — through that replica.
 */
export type Probe = (model: string, stage: string, replicaUrl?: string) => Promise<{ ok: boolean; version: number | null }>;

export interface SwitchMeasure {
  to_version: number;
  ms: number | null;
  probes: number;
  failed_probes: number;
  replicas: Array<{ replica_id: string; version: number | null; state: string; answered: number | null }> | null;
}

export interface DrillReport {
  id: string;
  model: string;
  stage: string;
  candidate_version: number;
  previous_version: number;
  passed: boolean;
  problems: string[];
  to_candidate: SwitchMeasure;
  back_to_previous: SwitchMeasure;
  stage_restored: boolean;
  actor: string;
  ran_at: string;
}

const WAIT_MS = 30_000;

/**
 * Probes until `version` answers — through this server and through every live replica that reports
 * a URL (each asked for the stage by its TF Serving label, whatever the model's binding) — and, when
 * the model is bound to this stage, until every live replica reports serving it.
 */
async function measureSwitch(deps: Deps, probe: Probe, model: string, stage: string, version: number, start: number): Promise<SwitchMeasure> {
  const m: SwitchMeasure = { to_version: version, ms: null, probes: 0, failed_probes: 0, replicas: null };
  const deadline = performance.now() + WAIT_MS;
  while (performance.now() < deadline) {
    const p = await probe(model, stage);
    const status = await modelStatus(deps, model);
    const bound = status.binding === stageTarget(stage);
    // Replicas gone silent are left out (they cannot answer a probe); one behind the feed is waited for.
    const live = status.replicas.filter((r) => r.unknown_reason !== 'missed_heartbeats');
    const answers = await Promise.all(live.map((r) => (r.url ? probe(model, stage, r.url) : Promise.resolve(null))));
    const all = [p, ...answers.filter((a) => a !== null)];
    m.probes += all.length;
    m.failed_probes += all.filter((a) => !a.ok).length;
    m.replicas = live.map((r, i) => ({ replica_id: r.replica_id, version: r.version, state: r.state, answered: answers[i]?.version ?? null }));
    const reported = !bound || (live.length > 0 && live.every((r) => r.acknowledged && r.version === version));
    if (all.every((a) => a.ok && a.version === version) && reported) {
      m.ms = performance.now() - start;
      return m;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return m;
}

async function pickCandidate(deps: Deps, modelName: string, stage: string, previous: number, wanted?: number) {
  if (wanted !== undefined) {
    const { row } = await requireVersion(deps.db, modelName, wanted);
    if (row.version === previous) throw conflict(`version ${wanted} already holds ${stage}; drill with another version`);
    return row;
  }
  const { versions } = await listVersions(deps, { model: modelName, stage: 'None', limit: 200 });
  const v = versions.filter((x) => x.status === 'READY' && x.health !== 'failed' && x.stage === 'None').sort((a, b) => b.version - a.version)[0];
  if (!v) throw conflict(`"${modelName}" has no READY version outside Staging and Production to drill with; pass a version`);
  return (await requireVersion(deps.db, modelName, v.version)).row;
}

export async function runDrill(deps: Deps, probe: Probe, actor: string, modelName: string, input: { stage?: string; version?: number }): Promise<DrillReport> {
  const stage = input.stage ?? 'Staging';
  if (stage !== 'Staging') throw invalid('drills run in Staging, where a rollback cannot hurt');
  const model = await requireModel(deps.db, modelName);
  const previous = (await getModel(deps, modelName)).stages.Staging;
  if (previous === null) throw conflict(`nothing holds Staging for "${modelName}": a drill needs a version to roll back to`);
  const cand = await pickCandidate(deps, modelName, stage, previous, input.version);
  const original = { stage: cand.stage, health: cand.health as Health, reason: cand.health_reason };
  const reason = `rollback drill by ${actor}`;

  let t = performance.now();
  await transitionStage(deps, actor, modelName, cand.version, { stage, archive_existing_versions: true, reason });
  const toCandidate = await measureSwitch(deps, probe, modelName, stage, cand.version, t);
  t = performance.now();
  await rollback(deps, actor, modelName, { stage, to_version: previous, from_version: cand.version, reason });
  const back = await measureSwitch(deps, probe, modelName, stage, previous, t);

  // The rollback marked the candidate failed and archived it; a drill says nothing about its quality.
  await markHealth(deps, actor, modelName, cand.version, original.health, original.reason ?? (original.health === 'failed' ? 'restored after drill' : undefined), { cause: 'drill' });
  if (original.stage !== 'Archived') await transitionStage(deps, actor, modelName, cand.version, { stage: original.stage, reason: 'restored after drill' });
  const restored = (await getModel(deps, modelName)).stages.Staging === previous;

  const problems: string[] = [];
  if (toCandidate.ms === null) problems.push(`version ${cand.version} was not served within ${WAIT_MS / 1000}s`);
  if (back.ms === null) problems.push(`version ${previous} was not served again within ${WAIT_MS / 1000}s`);
  const failed = toCandidate.failed_probes + back.failed_probes;
  if (failed) problems.push(`${failed} probe request(s) failed during the switches`);
  if (!restored) problems.push('Staging does not hold the previous version after the drill');
  const report: DrillReport = { id: deps.ids.uuid(), model: model.name, stage, candidate_version: cand.version, previous_version: previous, passed: problems.length === 0, problems, to_candidate: toCandidate, back_to_previous: back, stage_restored: restored, actor, ran_at: new Date(deps.clock.now()).toISOString() };
  await commit(deps, async (trx, append) => {
    await insertDrill(trx, { id: report.id, model_id: model.id, stage, passed: report.passed ? 1 : 0, report: JSON.stringify(report), actor, created_at: deps.clock.now() });
    await append({ actor, type: report.passed ? 'drill.passed' : 'drill.failed', model, version: cand.version, target: stageTarget(stage), reason: problems.join('; ') || null, details: { drill_id: report.id, switch_ms: [toCandidate.ms, back.ms], failed_probes: failed } });
  });
  return report;
}

/** Model name -> when its last passing drill ran (ISO), for every model that ever passed one. */
export async function lastPassedDrills(deps: Deps): Promise<Map<string, string>> {
  const rows = await withModelNames(deps.db, await lastPassedPerModel(deps.db));
  return new Map(rows.map((r) => [r.model_name, (JSON.parse(r.report) as DrillReport).ran_at]));
}

export async function listDrills(deps: Deps, modelName: string) {
  const model = await requireModel(deps.db, modelName);
  const rows = await drillsOf(deps.db, model.id, 50);
  const last = await lastPassingDrill(deps.db, model.id);
  return { model: model.name, last_passed: last ? (JSON.parse(last.report) as DrillReport) : null, drills: rows.map((r) => JSON.parse(r.report) as DrillReport) };
}

/** Whether `version` was the candidate of a passing drill (the gate a policy can require before Production). */
export async function passedDrill(deps: Deps, modelId: string, version: number): Promise<DrillReport | null> {
  for (const r of await drillsOf(deps.db, modelId, 200)) {
    const rep = JSON.parse(r.report) as DrillReport;
    if (rep.passed && rep.candidate_version === version) return rep;
  }
  return null;
}
