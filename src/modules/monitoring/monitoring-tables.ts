// Row types for the monitoring tables (migration 0004), merged into the shared Database interface.
import type { Generated } from 'kysely';

export interface MonRecordsTable {
  id: Generated<number>;
  request_id: string;
  row: number;
  model: string;
  version: number;
  binding: string;
  time: number;
  latency_ms: number;
  outcome: string;
  /** JSON object feature -> value for this row. */
  features: string | null;
  pred_num: number | null;
  pred_text: string | null;
  label_num: number | null;
  label_text: string | null;
  labeled_at: number | null;
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

declare module '../../db/tables.js' {
  interface Database {
    mon_records: MonRecordsTable;
    mon_references: MonReferencesTable;
    mon_policies: MonPoliciesTable;
    mon_guard_state: MonGuardStateTable;
    mon_leases: MonLeasesTable;
    webhooks: WebhooksTable;
    webhook_deliveries: WebhookDeliveriesTable;
  }
}
