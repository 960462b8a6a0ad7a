// Version sources that name an MLflow 3 logged model: models:/<model_id>, runs:/<run>/<name> when
// the run logged a model by that name (MLflow 3 stores its files under the model, not the run), and
// the model's own mlflow-artifacts location. The version copies the model's manifest (its files as
// uploaded by then), so it holds the same bytes, and downloads from the model's location as in MLflow.
import type { Deps } from '../deps.js';
import { filesUnder } from './mlflow-artifacts.js';
import { badParam } from './mlflow-errors.js';
import type { MlflowLoggedModelsTable } from './mlflow-logged-models-tables.js';
import { findLoggedModel, loggedModelOfRun } from './mlflow-logged-models-store.js';
import { liveLoggedModelFiles, proxiedRoot, requireLoggedModel } from './mlflow-logged-models-service.js';
import { findRun } from './mlflow-tracking-store.js';

const MODEL_ID_URI = /^models:\/+([^/@]+)\/*$/;
const RUNS_URI = /^runs:\/+([^/]+)\/+([^/]+)\/*$/;
const LOCATION_URI = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(\d+\/models\/(m-[^/]+)\/artifacts)\/*$/;

export interface LoggedModelSource {
  files: Array<{ path: string; sha256: string }>;
  storage: string | null;
  runId?: string;
  loggedModelId: string;
}

async function fromModel(deps: Deps, model: MlflowLoggedModelsTable, source: string): Promise<LoggedModelSource> {
  const files = await liveLoggedModelFiles(deps.db, model);
  if (files.length === 0 && proxiedRoot(model) !== null) {
    throw badParam(`Invalid model version source: '${source}'. No artifacts were uploaded for logged model '${model.model_id}'; log the model before registering it.`);
  }
  return { files: files.map((f) => ({ path: f.path, sha256: f.sha256 })), storage: model.artifact_location, runId: model.source_run_id ?? undefined, loggedModelId: model.model_id };
}

/** The logged model a source names, or null when it names none (the caller resolves it as before). */
export async function loggedModelSource(deps: Deps, source: string): Promise<LoggedModelSource | null> {
  const byId = MODEL_ID_URI.exec(source);
  if (byId) {
    const model = await findLoggedModel(deps.db, byId[1]);
    // MLflow answers this with a 500 (its client retries); the caller's mistake is a 400 here.
    if (!model || model.lifecycle_stage !== 'active') {
      throw badParam(`Unable to fetch model from model URI source artifact location '${source}'.Error: Logged model with ID '${byId[1]}' not found.`);
    }
    return fromModel(deps, model, source);
  }
  const located = LOCATION_URI.exec(source);
  if (located) {
    const model = await findLoggedModel(deps.db, located[2]);
    return model && model.lifecycle_stage === 'active' && proxiedRoot(model) === located[1] ? fromModel(deps, model, source) : null;
  }
  const runs = RUNS_URI.exec(source);
  if (runs) {
    const run = await findRun(deps.db, runs[1]);
    const model = run ? await loggedModelOfRun(deps.db, run.run_id, runs[2]) : undefined;
    if (!run || !model) return null;
    // Files the run itself holds at that path win: that is what a 2.x-style log_model wrote.
    const root = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*)$/.exec(run.artifact_uri)?.[1];
    if (root !== undefined && (await filesUnder(deps.db, `${root}/${runs[2]}`)).length > 0) return null;
    return fromModel(deps, model, source);
  }
  return null;
}

/** The model a new version comes from: the request's model_id (which must exist) or the one its source names. */
export async function loggedModelOfVersion(deps: Deps, requested: string | undefined, fromSource: string | undefined): Promise<string | undefined> {
  if (requested) return (await requireLoggedModel(deps.db, requested)).model_id;
  return fromSource;
}
