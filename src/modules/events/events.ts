// The audit log's domain: one event per state change — who, when, why, from -> to.
import type { Selectable } from 'kysely';
import type { EventsTable } from '../../db/tables.js';

export type EventType =
  | 'model.created'
  | 'model.updated'
  | 'model.renamed'
  | 'model.deleted'
  | 'model.tag_set'
  | 'model.tag_deleted'
  | 'version.created'
  | 'version.updated'
  | 'version.deleted'
  | 'version.stage_changed'
  | 'version.health_changed'
  | 'version.tag_set'
  | 'version.tag_deleted'
  | 'alias.set'
  | 'alias.deleted'
  | 'rollback'
  | 'token.created'
  | 'token.revoked'
  | (string & {});

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
  };
}

export const stageTarget = (stage: string) => `stage:${stage}`;
export const aliasTarget = (alias: string) => `alias:${alias}`;
