// Readable sentences for the safe-promotion events (rollout.*, shadow.*, approval.*, validation.*,
// drill.*, gates.*). Returns undefined for any other type, so the timeline keeps its own wording.
import type { RegistryEvent } from '../types';

type Details = Record<string, unknown>;
const n = (x: unknown) => (typeof x === 'number' ? x : undefined);
const share = (d: Details) => (n(d.weight) !== undefined ? `${n(d.weight)}%` : 'its share');
const stageOf = (e: RegistryEvent) => (e.target ?? '').replace(/^stage:/, '') || 'a stage';

function rollout(e: RegistryEvent, d: Details): string | undefined {
  const cand = `v${e.version}`;
  const base = n(d.baseline) ? ` vs v${n(d.baseline)}` : '';
  switch (e.type) {
    case 'rollout.started':
      return `Canary rollout of ${cand}${base} started at ${share(d)}`;
    case 'rollout.step':
      return `Canary ${cand} passed analysis; now ${share(d)} of traffic`;
    case 'rollout.analysis':
      return `Canary ${cand} analysis at ${share(d)}: ${String(d.outcome ?? 'done')}`;
    case 'rollout.paused':
      return d.outcome === 'inconclusive' ? `Canary ${cand} paused at ${share(d)}: analysis inconclusive` : `Canary ${cand} paused at ${share(d)}`;
    case 'rollout.resumed':
      return `Canary ${cand} resumed at ${share(d)}`;
    case 'rollout.aborted':
      return `Canary ${cand} aborted: all traffic back on v${n(d.baseline) ?? '?'}`;
    case 'rollout.completed':
      return `Canary ${cand} completed and promoted`;
    case 'rollout.ended':
      return `Canary ${cand} ended (${String(d.status ?? 'ended')}) because Production moved`;
  }
  return undefined;
}

function other(e: RegistryEvent, d: Details): string | undefined {
  const failedChecks = Array.isArray(d.failed_checks) ? (d.failed_checks as string[]).join(', ') : '';
  switch (e.type) {
    case 'shadow.started':
      return `Shadow of v${e.version} started on ${n(d.percent) ?? '?'}% of requests`;
    case 'shadow.stopped':
      return `Shadow of v${e.version} stopped`;
    case 'approval.requested':
      return `Approval requested: v${e.version} → ${stageOf(e)}`;
    case 'approval.approved':
      return `Approved v${e.version} → ${stageOf(e)}`;
    case 'approval.rejected':
      return `Rejected v${e.version} → ${stageOf(e)}`;
    case 'approval.policy_updated':
      return `Approval now required for ${Array.isArray(d.stages) && d.stages.length ? (d.stages as string[]).join(', ') : 'no stage'}`;
    case 'validation.passed':
      return `v${e.version} passed validation for ${stageOf(e)}`;
    case 'validation.failed':
      return `v${e.version} failed validation for ${stageOf(e)}${failedChecks ? `: ${failedChecks}` : ''}`;
    case 'validation.overridden':
      return `v${e.version} validation overridden for ${stageOf(e)}${failedChecks ? ` (failed: ${failedChecks})` : ''}`;
    case 'drill.passed':
    case 'drill.failed': {
      const t = Array.isArray(d.switch_ms) ? (d.switch_ms as (number | null)[]).map((x) => (x === null ? 'never' : `${Math.round(x)} ms`)) : [];
      const times = t.length === 2 ? ` (switches ${t[0]} and ${t[1]})` : '';
      return `Rollback drill in ${stageOf(e)} ${e.type === 'drill.passed' ? 'passed' : 'failed'} with v${e.version}${times}`;
    }
    case 'gates.updated':
      return 'Validation gates updated';
    case 'gates.deleted':
      return 'Validation gates removed';
  }
  return undefined;
}

export function describePromotionEvent(e: RegistryEvent): string | undefined {
  const d = (e.details ?? {}) as Details;
  return e.type.startsWith('rollout.') ? rollout(e, d) : other(e, d);
}
