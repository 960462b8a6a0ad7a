// The API's shapes as the UI uses them, all from the typed SDK (generated from the server's
// OpenAPI, so they cannot drift).
export type {
  Grant,
  History,
  NewGrant,
  Model,
  RegistryEvent,
  RollbackResult,
  Version,
  Whoami,
} from '../../sdk/client';
import type { History, OkBody } from '../../sdk/client';

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

/** Whether the server offers single sign-on, and who this browser is signed in as. */
export type AuthConfig = OkBody<'/auth/config', 'get'>;
export type Person = NonNullable<AuthConfig['user']>;

export type Metrics = OkBody<'/api/v1/models/{name}/metrics', 'get'>;
export type MetricPoint = Metrics['versions'][number]['series'][number];

/** A logged model (MLflow 3) as Stagecraft's own API shows it: params, metrics, tags, files, versions. */
export type LoggedModel = OkBody<'/api/v1/logged-models/{model_id}', 'get'>;
