// The audit log's domain: one event per state change — who, when, why, from -> to.
import type { Selectable } from 'kysely';
import type { EventsTable } from './events-store.js';
import { invalid } from '../../errors.js';

/**
 * Every event the registry writes. Closed on purpose: webhook and audit-log filters are checked
 * against it, so a filter with a typo is refused instead of silently matching nothing.
 */
export const EVENT_TYPES = [
  'model.created', 'model.updated', 'model.renamed', 'model.deleted', 'model.tag_set', 'model.tag_deleted',
  'version.created', 'version.updated', 'version.deleted', 'version.stage_changed', 'version.health_changed',
  'version.tag_set', 'version.tag_deleted', 'version.reference_set',
  'alias.set', 'alias.deleted', 'rollback', 'binding.changed',
  'move.prepare', 'move.prepare_failed', 'rollback.prepare_failed',
  'token.created', 'token.revoked', 'token.rotated', 'grant.added', 'grant.removed', 'webhook.created', 'webhook.updated', 'webhook.deleted',
  'policy.set', 'policy.deleted', 'guard.alert', 'gateway.load_failed',
  'gates.updated', 'gates.deleted', 'validation.passed', 'validation.failed', 'validation.overridden',
  'approval.requested', 'approval.approved', 'approval.rejected', 'approval.policy_updated', 'approval.bypassed',
  'drill.passed', 'drill.failed',
  'rollout.started', 'rollout.step', 'rollout.analysis', 'rollout.paused', 'rollout.resumed', 'rollout.aborted', 'rollout.completed', 'rollout.ended',
  'shadow.started', 'shadow.stopped',
  'blob.corrupted', 'blob.repaired', 'blobs.collected', 'version.purged',
  'model.imported',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** Whether an event type matches a filter pattern: the type itself, its domain (`version.*`) or `*`. */
export function matchesEventPattern(pattern: string, type: string): boolean {
  return pattern === '*' || pattern === type || (pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1)));
}

/**
 * The event types a filter selects: exact types, `domain.*` (e.g. `version.*`) or `*`. A pattern
 * that selects nothing is a caller's mistake (a 400 naming it), never an empty subscription.
 */
export function eventTypesMatching(patterns: string[], field: string, among: readonly EventType[] = EVENT_TYPES): EventType[] {
  const out = new Set<EventType>();
  for (const p of patterns) {
    const hits = among.filter((t) => matchesEventPattern(p, t));
    if (hits.length === 0) throw invalid(`${field}: "${p}" is not an event type here; use one of ${among.join(', ')}, a domain such as "version.*", or "*"`);
    for (const t of hits) out.add(t);
  }
  return [...out];
}

export interface NewEvent {
  actor: string;
  type: EventType;
  model?: { id: string; name: string } | null;
  version?: number | null;
  /** 'stage:Production', 'alias:champion', … for pointer moves. */
  target?: string | null;
  from?: string | number | null;
  to?: string | number | null;
  reason?: string | null;
  details?: Record<string, unknown>;
}

export interface RegistryEvent {
  id: number;
  time: string;
  time_ms: number;
  actor: string;
  model: string | null;
  version: number | null;
  type: string;
  target: string | null;
  from: string | null;
  to: string | null;
  reason: string | null;
  details: Record<string, unknown>;
  /** Set on an event imported from another registry (its actor and time are the original ones): where it was first recorded. */
  imported_from?: string;
}

export function toEvent(row: Selectable<EventsTable>): RegistryEvent {
  return {
    id: Number(row.id),
    time: new Date(Number(row.time)).toISOString(),
    time_ms: Number(row.time),
    actor: row.actor,
    model: row.model,
    version: row.version,
    type: row.type,
    target: row.target,
    from: row.from_value,
    to: row.to_value,
    reason: row.reason,
    details: JSON.parse(row.details || '{}') as Record<string, unknown>,
    ...(row.imported_from ? { imported_from: row.imported_from } : {}),
  };
}

export const stageTarget = (stage: string) => `stage:${stage}`;
export const aliasTarget = (alias: string) => `alias:${alias}`;
