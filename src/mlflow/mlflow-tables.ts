// Row types of the MLflow tables (migration 0003), merged into the shared Database interface.
export interface MlflowExperimentsTable {
  id: number;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  creation_time: number;
  last_update_time: number;
}

export interface MlflowRunsTable {
  run_id: string;
  experiment_id: number;
  run_name: string;
  user_id: string;
  status: string;
  start_time: number;
  end_time: number | null;
  lifecycle_stage: string;
  artifact_uri: string;
}

export interface MlflowKeyValueTable {
  run_id: string;
  key: string;
  value: string;
}

export interface MlflowRunMetricsTable {
  run_id: string;
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface MlflowArtifactsTable {
  path: string;
  sha256: string;
  size: number;
  updated_at: number;
}

export interface MlflowVersionMetaTable {
  version_id: string;
  /** Where the bytes really are (a models:/ copy points at the original's location). */
  storage_location: string | null;
  run_link: string | null;
}

declare module '../db/tables.js' {
  interface Database {
    mlflow_experiments: MlflowExperimentsTable;
    mlflow_runs: MlflowRunsTable;
    mlflow_run_params: MlflowKeyValueTable;
    mlflow_run_tags: MlflowKeyValueTable;
    mlflow_run_metrics: MlflowRunMetricsTable;
    mlflow_artifacts: MlflowArtifactsTable;
    mlflow_version_meta: MlflowVersionMetaTable;
  }
}
