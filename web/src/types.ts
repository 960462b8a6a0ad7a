// The API's shapes as the UI uses them (mirrors src/http/common-schemas.ts and the route schemas).
// When the generated SDK types are complete these become re-exports of them.

export type Role = 'viewer' | 'editor' | 'deployer' | 'admin';
export type Health = 'unknown' | 'stable' | 'failed';

export interface Whoami {
  name: string;
  role: Role;
  open: boolean;
}

export interface TensorSpec {
  name: string;
  type: string;
  shape: number[];
}

export interface Signature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

export interface Version {
  name: string;
  version: number;
  label: string | null;
  description: string;
  source: string | null;
  run_id: string | null;
  params: Record<string, string>;
  metrics: Record<string, number>;
  dataset_digest: string | null;
  code_ref: string | null;
  signature: Signature | null;
  status: string;
  status_message: string | null;
  stage: string;
  aliases: string[];
  tags: Record<string, string>;
  health: string;
  health_reason: string | null;
  digest: string | null;
  size_bytes: number;
  runtime: string | null;
  endpoint_url: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  deleted: boolean;
}

export interface Model {
  name: string;
  description: string;
  created_at: string;
  updated_at: string;
  created_by: string;
  tags: Record<string, string>;
  latest_version: number | null;
  stages: { Production: number | null; Staging: number | null };
  aliases: Record<string, number>;
  production: { version: number; health: string; health_reason: string | null } | null;
  last_event: { id: number; type: string; time: string; actor: string; reason: string | null } | null;
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

export interface ManifestFile {
  path: string;
  size: number;
  sha256: string;
}

export interface Manifest {
  digest: string | null;
  files: ManifestFile[];
}

export interface HistoryEntry {
  version: number | null;
  from: string;
  until: string | null;
  actor: string;
  reason: string | null;
  event_id: number;
  cause: string;
  automatic: boolean;
}

export interface History {
  name: string;
  target: string;
  entries: HistoryEntry[];
}

export interface RollbackResult {
  name: string;
  target: string;
  from_version: number;
  to_version: number;
  reason: string;
  event_id: number;
  archived_versions: number[];
}

export interface Replica {
  replica_id: string;
  url: string | null;
  version: number | null;
  state: string;
  error: string | null;
  last_heartbeat: string | null;
}

export interface ServingStatus {
  model: string;
  binding: string | null;
  target_version: number | null;
  converged: boolean;
  replicas: Replica[];
}

export interface MetricPoint {
  t: string;
  requests: number;
  error_rate: number | null;
  latency_p99_ms: number | null;
  accuracy: number | null;
  recall: number | null;
  drift_share: number | null;
}

export interface Metrics {
  versions: { version: number; series: MetricPoint[] }[];
  thresholds: { metric: string; min: number | null; max: number | null }[];
  rollbacks: { time: string; from_version: number; to_version: number; actor: string }[];
}
