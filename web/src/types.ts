// The API's shapes as the UI uses them: re-exported from the typed SDK (generated from the server's
// OpenAPI, so they cannot drift), plus the gateway-status and metrics contracts the SDK does not
// name yet.
export type {
  History,
  Manifest,
  ManifestFile,
  Model,
  RegistryEvent,
  RollbackResult,
  Version,
  Whoami,
} from '../../sdk/client';
import type { History } from '../../sdk/client';

export type Role = 'viewer' | 'editor' | 'deployer' | 'admin';
export type HistoryEntry = History['entries'][number];
export interface TensorSpec {
  name: string;
  type: string;
  shape: number[];
}

export interface Signature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
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
