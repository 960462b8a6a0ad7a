// Validation gates: configure them per model, run them on a candidate (signature, digest, holdout
// evaluation against Production on the same data), store the result as the version's validation
// report, and refuse a promotion whose report failed unless an admin overrides it with a reason.
import type { Deps } from '../../deps.js';
import { conflict, invalid, notFound } from '../../errors.js';
import type { Signature } from '../../onnx/onnx-signature.js';
import { SERVING_STAGES, canonicalStage, commit, holdBlobs, getManifest, getModel, loadVersionView, manifestDigest, requireModel, requireVersion, stageTarget, transitionStage, type PromotionAttempt, type PromotionCheck, type Stage, type TransitionInput, type VersionRow } from '../../registry/index.js';
import { passedDrill } from '../../experiments/index.js';
import { evaluateVersion } from './evaluate.js';
import { judgeThreshold, normalizeGates, signatureProblems, type CheckResult, type GatesConfig } from './gates.js';
import { deleteGates, findGates, latestReport, insertReport, upsertGates } from './gates-store.js';
import { parseHoldout } from './holdout.js';
import { pythonEnvCheck } from './python-env.js';
import { servableCheck } from './servable.js';

export interface ValidationReport {
  model: string;
  version: number;
  stage: string;
  passed: boolean;
  failed_checks: string[];
  checks: CheckResult[];
  baseline_version: number | null;
  metrics: { rows: number; candidate: Record<string, number>; baseline: Record<string, number> | null } | null;
  override: { actor: string; reason: string } | null;
  actor: string;
  ran_at: string;
}

export interface GatesOptions {
  /**
   * The interpreter Python versions' workers run unless a model names its own: the embedded
   * gateway's --python (default: the config's). The python-env gate checks that one.
   */
  python?: string;
}

const parseSignature = (row: VersionRow): Signature | null => (row.signature ? (JSON.parse(row.signature) as Signature | null) : null);

export async function readGates(deps: Deps, modelName: string): Promise<GatesConfig | null> {
  const model = await requireModel(deps.db, modelName);
  const row = await findGates(deps.db, model.id);
  return row ? (JSON.parse(row.config) as GatesConfig) : null;
}

export async function getGates(deps: Deps, modelName: string) {
  const model = await requireModel(deps.db, modelName);
  const row = await findGates(deps.db, model.id);
  return {
    name: model.name,
    gates: row ? (JSON.parse(row.config) as GatesConfig) : null,
    updated_at: row ? new Date(Number(row.updated_at)).toISOString() : null,
    updated_by: row?.updated_by ?? null,
  };
}

export async function setGates(deps: Deps, actor: string, modelName: string, input: Partial<GatesConfig>) {
  const model = await requireModel(deps.db, modelName);
  const config = normalizeGates(input);
  if (config.holdout) {
    // Refuse a dataset that cannot be read now, not at the first promotion.
    const blob = await deps.blobs.stat(config.holdout.sha256);
    if (!blob) throw invalid(`no uploaded bytes with sha256 ${config.holdout.sha256}; upload the holdout to /api/v1/blobs first`);
    const h = parseHoldout(await deps.blobs.read(config.holdout.sha256), config.holdout);
    config.holdout.features = h.features;
  }
  await commit(deps, async (trx, append) => {
    // The holdout may be an old upload nothing referenced: checked again under gc's lock.
    if (config.holdout) await holdBlobs(trx, deps, [config.holdout.sha256]);
    await upsertGates(trx, { model_id: model.id, config: JSON.stringify(config), updated_at: deps.clock.now(), updated_by: actor });
    await append({ actor, type: 'gates.updated', model, details: { gates: config } });
  });
  return getGates(deps, modelName);
}

export async function removeGates(deps: Deps, actor: string, modelName: string, reason?: string) {
  const model = await requireModel(deps.db, modelName);
  await commit(deps, async (trx, append) => {
    if (!(await deleteGates(trx, model.id))) throw notFound(`model "${modelName}" has no validation gates`);
    await append({ actor, type: 'gates.deleted', model, reason: reason ?? null });
  });
}

/** A holder of a stage other than the candidate itself, as a row (null when none). */
async function otherHolder(deps: Deps, modelName: string, version: number | null, candidate: number) {
  return version !== null && version !== candidate ? (await requireVersion(deps.db, modelName, version)).row : null;
}

async function digestCheck(deps: Deps, modelName: string, row: VersionRow): Promise<CheckResult> {
  const { files } = await getManifest(deps, modelName, row.version);
  if (files.length === 0) return { name: 'digest', passed: true, skipped: true, message: 'version has no artifact files' };
  try {
    // read() re-hashes every byte against its address; the manifest digest ties the files together.
    for (const f of files) await deps.blobs.read(f.sha256);
  } catch (err) {
    return { name: 'digest', passed: false, skipped: false, message: `artifact bytes do not match their sha256: ${(err as Error).message}` };
  }
  const digest = manifestDigest(files);
  const ok = digest === row.digest;
  return { name: 'digest', passed: ok, skipped: false, message: ok ? `${files.length} file(s) verified, ${digest}` : `manifest digest ${digest} differs from recorded ${row.digest}` };
}

async function drillCheck(deps: Deps, row: VersionRow): Promise<CheckResult> {
  const drill = await passedDrill(deps, row.model_id, row.version);
  return drill
    ? { name: 'drill', passed: true, skipped: false, message: `passing drill ${drill.id} at ${drill.ran_at}` }
    : { name: 'drill', passed: false, skipped: false, message: `no passing rollback drill of version ${row.version} in Staging; run \`stagecraft drill\` first` };
}

function signatureCheck(serving: VersionRow | null, row: VersionRow): CheckResult {
  const name = 'signature';
  const cand = parseSignature(row);
  const base = serving ? parseSignature(serving) : null;
  if (!serving) return { name, passed: true, skipped: true, message: 'no version is serving; nothing to be compatible with' };
  if (!cand || !base) return { name, passed: true, skipped: true, message: 'a version without an ONNX signature cannot be compared' };
  const problems = signatureProblems(base, cand);
  return problems.length
    ? { name, passed: false, skipped: false, message: `incompatible with serving v${serving.version}: ${problems.join('; ')}` }
    : { name, passed: true, skipped: false, message: `compatible with serving v${serving.version}` };
}

async function holdoutChecks(deps: Deps, modelName: string, config: GatesConfig, row: VersionRow, production: VersionRow | null) {
  const spec = config.holdout!;
  const h = parseHoldout(await deps.blobs.read(spec.sha256), spec);
  const candidate = await evaluateVersion(deps, modelName, row.version, parseSignature(row), h, spec);
  // Production runs on the same rows, now, so the comparison never trusts numbers logged elsewhere.
  const needBaseline = production && config.thresholds.some((t) => t.max_drop !== undefined || t.max_drop_relative !== undefined);
  const baseline = needBaseline ? await evaluateVersion(deps, modelName, production.version, parseSignature(production), h, spec) : null;
  const checks = config.thresholds.flatMap((t) => judgeThreshold(t, candidate, baseline ? { version: production!.version, metrics: baseline } : null));
  return { checks, metrics: { rows: h.rows.length, candidate, baseline } };
}

/** python-env, on the interpreter the version's workers will run: its own (tag stagecraft.python) or the configured one. */
async function pythonEnvGate(deps: Deps, modelName: string, row: VersionRow, opts: GatesOptions): Promise<CheckResult> {
  const { python } = await loadVersionView(deps.db, modelName, row.version);
  return pythonEnvCheck(python?.interpreter || opts.python || deps.config.python, python);
}

export async function runGates(
  deps: Deps,
  actor: string,
  modelName: string,
  row: VersionRow,
  stage: Stage,
  config: GatesConfig | null,
  opts: GatesOptions = {},
): Promise<ValidationReport> {
  const stages = (await getModel(deps, modelName)).stages;
  const production = await otherHolder(deps, modelName, stages.Production, row.version);
  // "Serving" is Production's holder; a model with nothing in Production yet is compared with Staging's.
  const serving = production ?? (stage === 'Staging' ? await otherHolder(deps, modelName, stages.Staging, row.version) : null);
  // The default gate, configured or not: a version no runtime can serve never enters a serving stage.
  const checks: CheckResult[] = [servableCheck(row)];
  if (row.runtime === 'python') checks.push(await pythonEnvGate(deps, modelName, row, opts));
  if (!config || !config.stages.includes(stage)) return reportOf(actor, modelName, row, stage, checks, production, null);
  if (config.signature) checks.push(signatureCheck(serving, row));
  if (config.digest) checks.push(await digestCheck(deps, modelName, row));
  if (config.require_drill && stage === 'Production') checks.push(await drillCheck(deps, row));
  let metrics: ValidationReport['metrics'] = null;
  if (config.holdout) {
    try {
      const r = await holdoutChecks(deps, modelName, config, row, production);
      checks.push({ name: 'holdout', passed: true, skipped: false, message: `evaluated on ${r.metrics.rows} rows` }, ...r.checks);
      metrics = r.metrics;
    } catch (err) {
      checks.push({ name: 'holdout', passed: false, skipped: false, message: (err as Error).message });
    }
  }
  return reportOf(actor, modelName, row, stage, checks, production, metrics, deps.clock.now());
}

function reportOf(
  actor: string,
  modelName: string,
  row: VersionRow,
  stage: Stage,
  checks: CheckResult[],
  production: VersionRow | null,
  metrics: ValidationReport['metrics'],
  now = Date.now(),
): ValidationReport {
  const failed = checks.filter((c) => !c.passed).map((c) => c.name);
  return {
    model: modelName,
    version: row.version,
    stage,
    passed: failed.length === 0,
    failed_checks: failed,
    checks,
    baseline_version: production?.version ?? null,
    metrics,
    override: null,
    actor,
    ran_at: new Date(now).toISOString(),
  };
}

async function storeReport(deps: Deps, model: { id: string; name: string }, report: ValidationReport): Promise<void> {
  const now = deps.clock.now();
  await commit(deps, async (trx, append) => {
    // Ids sort by time first, so "latest report" never depends on two reports' uuids.
    const id = `${String(now).padStart(15, '0')}-${deps.ids.uuid()}`;
    await insertReport(trx, { id, model_id: model.id, version: report.version, stage: report.stage, passed: report.passed ? 1 : 0, report: JSON.stringify(report), created_at: now, actor: report.actor });
    const type = report.override ? 'validation.overridden' : report.passed ? 'validation.passed' : 'validation.failed';
    await append({
      actor: report.actor,
      type,
      model,
      version: report.version,
      target: stageTarget(report.stage),
      reason: report.override?.reason ?? null,
      details: { failed_checks: report.failed_checks, checks: report.checks.map((c) => ({ name: c.name, passed: c.passed, message: c.message })) },
    });
  });
}

function failureMessage(report: ValidationReport): string {
  const failed = report.checks.filter((c) => !c.passed).map((c) => `${c.name} (${c.message})`);
  return `validation gate failed for version ${report.version} of "${report.model}" entering ${report.stage}: ${failed.join('; ')}`;
}

/** The promotion check: runs the gates, stores the report, refuses with 409 naming the failed checks. */
export const gatesCheck = (opts: GatesOptions = {}): PromotionCheck => ({
  name: 'validation-gates',
  order: 10,
  async check(deps: Deps, a: PromotionAttempt) {
    const config = await readGates(deps, a.model.name);
    const configured = !!config && config.stages.includes(a.stage);
    const report = await runGates(deps, a.actor, a.model.name, a.row, a.stage, config, opts);
    const override = a.input.clearance?.gates_override as { actor: string; reason: string } | undefined;
    if (!report.passed && override) report.override = override;
    // With no gates configured only the default gates ran (servable, python-env): a pass is not worth a report, a refusal is.
    if (configured || !report.passed) await storeReport(deps, a.model, report);
    if (!report.passed && !override) {
      throw conflict(failureMessage(report), { reason: 'validation_failed', failed_checks: report.failed_checks });
    }
  },
});

export async function validateVersion(deps: Deps, actor: string, modelName: string, version: number, stageInput?: string, opts: GatesOptions = {}) {
  const stage = canonicalStage(stageInput ?? 'Production');
  if (!(SERVING_STAGES as string[]).includes(stage)) throw invalid(`gates apply to Staging or Production, not ${stage}`);
  const { model, row } = await requireVersion(deps.db, modelName, version);
  // With no gates configured the default gate alone runs (servable).
  const report = await runGates(deps, actor, model.name, row, stage, await readGates(deps, modelName), opts);
  await storeReport(deps, model, report);
  return report;
}

export async function getValidationReport(deps: Deps, modelName: string, version: number): Promise<ValidationReport> {
  const { model } = await requireVersion(deps.db, modelName, version);
  const row = await latestReport(deps.db, model.id, version);
  if (!row) throw notFound(`version ${version} of "${modelName}" has no validation report yet`);
  return JSON.parse(row.report) as ValidationReport;
}

/** An admin moves a version past failing gates; the reason lands in the report and the audit log. */
export async function overrideTransition(deps: Deps, actor: string, modelName: string, version: number, input: TransitionInput & { reason: string }) {
  if (!input.reason?.trim()) throw invalid('a reason is required to override validation gates');
  return transitionStage(deps, actor, modelName, version, { ...input, clearance: { ...input.clearance, gates_override: { actor, reason: input.reason.trim() } } });
}
