// Human renderings of the registry's shapes, shared by the command groups.
import type { Model, RollbackResult, Version } from '../../sdk/client.js';
import type { Output } from './cli-io.js';
import type { Column } from './table.js';
import { bytes, shortTime } from './table.js';

export const versionColumns: Column<Version>[] = [
  { header: 'VERSION', value: (v) => v.version, right: true },
  { header: 'LABEL', value: (v) => v.label },
  { header: 'STAGE', value: (v) => v.stage },
  { header: 'ALIASES', value: (v) => v.aliases },
  { header: 'HEALTH', value: (v) => v.health },
  { header: 'STATUS', value: (v) => v.status },
  { header: 'SIZE', value: (v) => bytes(v.size_bytes), right: true },
  { header: 'CREATED', value: (v) => `${shortTime(v.created_at)} ${v.created_by}` },
];

export const modelColumns: Column<Model>[] = [
  { header: 'NAME', value: (m) => m.name },
  { header: 'LATEST', value: (m) => m.latest_version, right: true },
  { header: 'PRODUCTION', value: (m) => (m.production ? `${m.production.version} (${m.production.health})` : null) },
  { header: 'STAGING', value: (m) => m.stages.Staging },
  { header: 'ALIASES', value: (m) => Object.entries(m.aliases).map(([a, v]) => `${a}->${v}`) },
  { header: 'UPDATED', value: (m) => shortTime(m.updated_at) },
];

export function printVersion(out: Output, v: Version): void {
  out.fields([
    ['model', v.name],
    ['version', String(v.version)],
    ['label', v.label],
    ['stage', v.stage],
    ['aliases', v.aliases.join(', ')],
    ['health', v.health_reason ? `${v.health} (${v.health_reason})` : v.health],
    ['status', v.status_message ? `${v.status} (${v.status_message})` : v.status],
    ['description', v.description],
    ['digest', v.digest],
    ['size', bytes(v.size_bytes)],
    ['runtime', v.runtime],
    ['source', v.source],
    ['run_id', v.run_id],
    ['params', Object.keys(v.params).length ? v.params : null],
    ['metrics', Object.keys(v.metrics).length ? v.metrics : null],
    ['tags', Object.keys(v.tags).length ? v.tags : null],
    ['signature', v.signature ? signature(v.signature) : null],
    ...pythonFields(v.python),
    ['created', `${shortTime(v.created_at)} by ${v.created_by}`],
    ['deleted', v.deleted ? 'yes' : null],
  ]);
}

/** An MLflow model directory's flavors, Python, requirements and the interpreter its workers run. */
function pythonFields(p: Version['python']): Array<[string, string | null]> {
  if (!p) return [];
  return [
    ['flavors', p.flavors.join(', ')],
    ['python', p.python_version],
    ['requirements', p.requirements.length ? `${p.requirements.join(', ')} (${p.requirements_file})` : null],
    ['interpreter', p.interpreter ?? 'the gateway default (--python)'],
  ];
}

function signature(s: NonNullable<Version['signature']>): string {
  const t = (xs: typeof s.inputs) => xs.map((x) => `${x.name}:${x.type}[${x.shape.join(',')}]`).join(' ');
  return `${t(s.inputs)} -> ${t(s.outputs)}`;
}

export function printModel(out: Output, m: Model): void {
  out.fields([
    ['name', m.name],
    ['description', m.description],
    ['protected', m.protected ? 'yes: deleting or renaming it while it serves is refused' : null],
    ['latest version', m.latest_version === null ? null : String(m.latest_version)],
    ['production', m.production ? `version ${m.production.version} (${m.production.health})` : 'none'],
    ['staging', m.stages.Staging === null ? null : `version ${m.stages.Staging}`],
    ['aliases', Object.entries(m.aliases).map(([a, v]) => `${a} -> ${v}`).join(', ')],
    ['tags', Object.keys(m.tags).length ? m.tags : null],
    ['created', `${shortTime(m.created_at)} by ${m.created_by}`],
    ['last change', m.last_event ? `${m.last_event.type} by ${m.last_event.actor} at ${shortTime(m.last_event.time)}` : null],
  ]);
}

/** Prepare, commit, confirm: how long each phase took and what each replica did. */
export function printPhases(out: Output, p: RollbackResult['phases']): void {
  if (p.replicas.length === 0) return out.line('No gateway replica serves this target: nothing to prepare or confirm');
  const unconfirmed = p.replicas.filter((r) => r.prepare === 'ready' && r.confirm !== 'serving').length;
  const verdict = unconfirmed ? `NOT confirmed on ${unconfirmed} replica${unconfirmed === 1 ? '' : 's'}` : 'confirmed';
  out.line(`Prepare ${p.prepare_ms} ms, commit ${p.commit_ms} ms, confirm ${p.confirm_ms} ms: ${verdict}`);
  out.table(p.replicas, [
    { header: 'REPLICA', value: (r) => r.replica_id },
    { header: 'TARGET', value: (r) => r.target },
    { header: 'PREPARE', value: (r) => (r.prepare_ms === null ? r.prepare : `${r.prepare} (${r.prepare_ms} ms)`) },
    { header: 'CONFIRM', value: (r) => (r.confirm === null ? '-' : r.confirm_ms === null ? r.confirm : `${r.confirm} (${r.confirm_ms} ms)`) },
    { header: 'WHY', value: (r) => r.reason ?? '' },
  ]);
}
