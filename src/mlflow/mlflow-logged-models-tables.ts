// Row types of the logged-model tables (migration 0011), merged into the shared Database interface.
export interface MlflowLoggedModelsTable {
  model_id: string;
  experiment_id: number;
  name: string;
  artifact_location: string;
  /** LOGGED_MODEL_PENDING | LOGGED_MODEL_READY | LOGGED_MODEL_UPLOAD_FAILED (MLflow's enum names). */
  status: string;
  status_message: string | null;
  model_type: string | null;
  source_run_id: string | null;
  lifecycle_stage: string;
  creation_time: number;
  last_update_time: number;
  /** The manifest digest of its files when it was finalized READY (later uploads change the live digest, not this). */
  digest: string | null;
}

export interface MlflowLoggedModelKeyValueTable {
  model_id: string;
  key: string;
  value: string;
}

export interface MlflowLoggedModelMetricsTable {
  model_id: string;
  run_id: string;
  key: string;
  value: number;
  timestamp: number;
  step: number;
  dataset_name: string | null;
  dataset_digest: string | null;
}

export interface MlflowRunModelsTable {
  run_id: string;
  model_id: string;
  direction: 'input' | 'output';
  /** The step of an output; 0 for inputs. */
  step: number;
}

export interface MlflowVersionLoggedModelsTable {
  version_id: string;
  model_id: string;
  created_at: number;
}

declare module '../db/tables.js' {
  interface Database {
    mlflow_logged_models: MlflowLoggedModelsTable;
    mlflow_logged_model_params: MlflowLoggedModelKeyValueTable;
    mlflow_logged_model_tags: MlflowLoggedModelKeyValueTable;
    mlflow_logged_model_metrics: MlflowLoggedModelMetricsTable;
    mlflow_run_models: MlflowRunModelsTable;
    mlflow_version_logged_models: MlflowVersionLoggedModelsTable;
  }
}
