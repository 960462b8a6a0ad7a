// Row types for the monitoring tables (migration 0004), merged into the shared Database interface.
import type { Generated } from 'kysely';

/** Retained predictions, a segment per model, version and written batch (segment-codec.ts). */
export interface MonSegmentsTable {
  id: Generated<number>;
  model: string;
  version: number;
  t_min: number;
  t_max: number;
  rows: number;
  ok_rows: number;
  requests: number;
  served: number;
  errors: number;
  data: Uint8Array;
}

/** Request ids their embedded time cannot find (a caller's own ids): which segment holds them. */
export interface MonRequestIdsTable {
  model: string;
  request_id: string;
  segment_id: number;
}

/** A labeled prediction, copied from its segment when the label arrives. */
export interface MonLabelsTable {
  model: string;
  request_id: string;
  row: number;
  version: number;
  time: number;
  outcome: string;
  pred_num: number | null;
  pred_text: string | null;
  label_num: number | null;
  label_text: string | null;
  labeled_at: number;
}

export interface MonReferencesTable {
  model: string;
  version: number;
  rows: number;
  source: string;
  profile: string;
  created_at: number;
}

export interface MonPoliciesTable {
  model: string;
  policy: string;
  updated_at: number;
  updated_by: string;
}

export interface MonGuardStateTable {
  model: string;
  state: string;
  updated_at: number;
}

export interface MonLeasesTable {
  name: string;
  holder: string;
  expires_at: number;
}

export interface WebhooksTable {
  id: string;
  url: string;
  secret: string;
  events: string;
  created_at: number;
  created_by: string;
  deleted_at: number | null;
}

export interface WebhookDeliveriesTable {
  id: Generated<number>;
  webhook_id: string;
  event_id: number;
  event_type: string;
  attempt: number;
  time: number;
  status: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number | null;
}

declare module '../db/tables.js' {
  interface Database {
    mon_segments: MonSegmentsTable;
    mon_request_ids: MonRequestIdsTable;
    mon_labels: MonLabelsTable;
    mon_references: MonReferencesTable;
    mon_policies: MonPoliciesTable;
    mon_guard_state: MonGuardStateTable;
    mon_leases: MonLeasesTable;
    webhooks: WebhooksTable;
    webhook_deliveries: WebhookDeliveriesTable;
  }
}
