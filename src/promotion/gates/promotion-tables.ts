// Row types of the safe-promotion tables (migration 0005), merged into the shared Database interface.
import type { Generated } from 'kysely';

export interface PromoGatesTable {
  model_id: string;
  /** JSON GatesConfig. */
  config: string;
  updated_at: number;
  updated_by: string;
}

export interface PromoValidationReportsTable {
  id: string;
  model_id: string;
  version: number;
  stage: string;
  /** 1 passed, 0 failed. */
  passed: number;
  /** JSON ValidationReport. */
  report: string;
  created_at: number;
  actor: string;
}

export interface PromoApprovalPoliciesTable {
  model_id: string;
  /** JSON array of stages that need approval. */
  stages: string;
  updated_at: number;
  updated_by: string;
}

export interface PromoApprovalsTable {
  id: Generated<number>;
  model_id: string;
  version: number;
  stage: string;
  archive_existing: number;
  status: string;
  reason: string | null;
  requested_by: string;
  requested_at: number;
  decided_by: string | null;
  decided_at: number | null;
  comment: string | null;
}

export interface PromoRolloutsTable {
  id: string;
  model_id: string;
  version: number;
  baseline_version: number;
  status: string;
  state: string;
  created_by: string;
  created_at: number;
  updated_at: number;
}

export interface PromoShadowsTable {
  id: string;
  model_id: string;
  version: number;
  percent: number;
  status: string;
  stats: string;
  created_by: string;
  started_at: number;
  stopped_at: number | null;
}

export interface PromoDrillsTable {
  id: string;
  model_id: string;
  stage: string;
  passed: number;
  report: string;
  actor: string;
  created_at: number;
}

declare module '../../db/tables.js' {
  interface Database {
    promo_gates: PromoGatesTable;
    promo_validation_reports: PromoValidationReportsTable;
    promo_approval_policies: PromoApprovalPoliciesTable;
    promo_approvals: PromoApprovalsTable;
    promo_rollouts: PromoRolloutsTable;
    promo_shadows: PromoShadowsTable;
    promo_drills: PromoDrillsTable;
  }
}
