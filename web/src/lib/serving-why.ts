// Why a version serves or not, in plain words, from what the API already tells: the version (status,
// runtime, health), its files, the model's serving status per replica, and the gateways' audited
// load failures. The checks on files mirror the gateway's own (src/serving/gateway/source.ts), so
// the page can say "nothing servable" even before any gateway tried.
import type { RegistryEvent, Version } from '../types';
import type { Api } from '../api';

export type ServingStatusBody = Awaited<ReturnType<Api['servingStatus']>>;

export interface ServingVerdict {
  state: 'serving' | 'not-serving' | 'pending';
  headline: string;
  /** Each cause found, most fundamental first. */
  reasons: string[];
  /** What to do next, when there is one obvious step; `command` to paste, if it is one. */
  next: { text: string; command?: string } | null;
}

/** 'stage:Production' → 'Production', 'alias:champion' → 'the alias champion'. */
export function bindingName(binding: string): string {
  const [kind, name] = [binding.slice(0, binding.indexOf(':')), binding.slice(binding.indexOf(':') + 1)];
  return kind === 'alias' ? `the alias ${name}` : name || binding;
}

/** Null when the files hold something a runtime can serve, else why not (the gateway's rule). */
export function unservableReason(v: Pick<Version, 'runtime' | 'endpoint_url'>, paths: string[]): string | null {
  const onnx = paths.some((p) => p.toLowerCase().endsWith('.onnx'));
  const mlmodel = paths.some((p) => p === 'MLmodel' || p.endsWith('/MLmodel'));
  if (v.runtime === 'http') return v.endpoint_url ? null : 'its runtime is http but it has no endpoint_url';
  if (v.runtime === 'python') return mlmodel ? null : 'its runtime is python but it has no MLmodel file';
  if (onnx || mlmodel) return null;
  return `nothing servable in its files (${paths.length ? paths.slice(0, 3).join(', ') + (paths.length > 3 ? ', …' : '') : 'none'}): a version needs a .onnx file, an MLflow model directory (MLmodel) or an endpoint_url`;
}

export function servingVerdict(input: {
  version: Version;
  paths: string[] | null;
  status: ServingStatusBody | null;
  /** The model's recent events, any order: gateway.load_failed and move.prepare of this version are read. */
  events: RegistryEvent[];
}): ServingVerdict {
  const { version: v, status } = input;
  const mine = input.events.filter((e) => e.version === v.version).sort((a, b) => b.time_ms - a.time_ms);
  const loadFailures = mine.filter((e) => e.type === 'gateway.load_failed');
  const replicas = status?.replicas ?? [];
  const serving = replicas.filter((r) => r.version === v.version && r.state === 'serving');
  if (serving.length) {
    const target = status?.target_version === v.version && status.binding ? ` as ${bindingName(status.binding)}` : '';
    return { state: 'serving', headline: `Serving${target} on ${serving.length} replica${serving.length > 1 ? 's' : ''}: ${serving.map((r) => r.replica_id).join(', ')}.`, reasons: [], next: null };
  }
  const reasons: string[] = [];
  if (v.status !== 'READY') reasons.push(`It is ${v.status}, not READY: its upload never completed.`);
  const files = input.paths ? unservableReason(v, input.paths) : null;
  if (files) reasons.push(`There is ${files}.`);
  const isTarget = status?.target_version === v.version;
  const binding = status?.binding ?? 'stage:Production';
  for (const r of replicas) {
    if (r.error && (isTarget || r.version === v.version)) reasons.push(`Replica ${r.replica_id} could not load it: ${r.error}`);
  }
  const reported = new Set(reasons);
  for (const e of loadFailures.slice(0, 3)) {
    const line = `${e.actor} failed to load it (${new Date(e.time).toLocaleString()}): ${e.reason ?? 'no reason given'}`;
    if (![...reported].some((x) => e.reason && x.includes(e.reason))) reasons.push(line);
  }
  // A move whose prepare phase failed changes nothing but leaves its move.prepare event: asked, never landed.
  const asked = mine.find((e) => e.type === 'move.prepare');
  const landed = asked && mine.some((e) => (e.type === 'version.stage_changed' || e.type === 'alias.set') && e.time_ms >= asked.time_ms);
  if (asked && !landed && !isTarget) {
    reasons.push(`A move to ${bindingName(asked.target ?? binding)} was tried (${new Date(asked.time).toLocaleString()}, by ${asked.actor}) but the gateways could not prepare it, so nothing changed; the refusal named each replica's reason.`);
  }
  if (v.health === 'failed') reasons.push(`It is marked failed${v.health_reason ? `: ${v.health_reason}` : ''}. A rollback never picks it.`);
  if (!isTarget) {
    const holder = status?.target_version ? `v${status.target_version}` : 'no version';
    const where = v.stage === 'None' ? 'in no stage' : `in ${v.stage}`;
    const aliases = v.aliases.length ? ` (aliases: ${v.aliases.join(', ')})` : '';
    reasons.push(`Gateways serve ${bindingName(binding)}, which holds ${holder}; this version is ${where}${aliases}.`);
  }
  if (!status || replicas.length === 0) reasons.push('No gateway reports this model: start `stagecraft server` (it embeds a gateway) or a standalone `stagecraft gateway`.');
  const loading = replicas.filter((r) => r.state === 'loading' && isTarget);
  if (loading.length && reasons.length === 0) {
    return { state: 'pending', headline: `Loading on ${loading.map((r) => r.replica_id).join(', ')}…`, reasons: [], next: null };
  }
  // No promote command for a version marked failed: it was taken out for a reason (and a promotion would refuse it).
  const bad = Boolean(files) || v.status !== 'READY';
  const next = bad
    ? { text: 'Register a new version with a servable model (a model.onnx, an MLflow model directory or an endpoint URL) and promote that one.' }
    : !isTarget && binding.startsWith('stage:') && v.health !== 'failed'
      ? { text: 'To serve it:', command: `stagecraft models transition-version --model-name ${v.name} --version ${v.version} --stage ${bindingName(binding)}` }
      : null;
  return { state: 'not-serving', headline: 'Not serving', reasons: reasons.length ? reasons : ['No replica reports serving it yet.'], next };
}
