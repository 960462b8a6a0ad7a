// MLflow registry use cases on top of Stagecraft's services: one registry, two doors. Checks that
// need MLflow's messages run first; the state change itself is always a registry service call
// (createModel, createVersion, transitionStage, setAlias, …) so it lands in history and the feed.
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { createVersion, findModel, findNamedVersion, liveVersionFiles, parseModelsUri, resolveRef, type NamedVersion } from '../registry/index.js';
import type { Db } from '../db/tables.js';
import { badParam, MlflowError, modelNotFound, versionNotFound } from './mlflow-errors.js';
import { filesUnder, normalizeArtifactPath, VERSIONS_ROOT } from './mlflow-artifacts.js';
import { findRun } from './mlflow-tracking-store.js';
import { insertVersionMeta, versionMetaOf } from './mlflow-version-meta-store.js';
import { loggedModelOfVersion, loggedModelSource } from './mlflow-logged-models-sources.js';
import { noteRegisteredVersion } from './mlflow-logged-models-service.js';
import { validateMlflowSource } from './mlflow-source-rules.js';
import { PROMPT_TAG } from './mlflow-registry-reads.js';

export async function requireMlModel(deps: Deps, name: string) {
  const model = await findModel(deps.db, name);
  if (!model) throw modelNotFound(name);
  return model;
}

export async function requireMlVersion(deps: Deps, name: string, version: number): Promise<NamedVersion> {
  const row = await findNamedVersion(deps.db, name, version);
  if (!row) throw versionNotFound(name, version);
  return row;
}

/** Where an MLflow client downloads a version from: its recorded location, else its own files here. */
export async function downloadUri(db: Db, row: NamedVersion): Promise<string> {
  const [meta] = await versionMetaOf(db, [row.id]);
  if (meta?.storage_location) return meta.storage_location;
  if (row.digest) return `mlflow-artifacts:/${VERSIONS_ROOT}/${row.id}`;
  return row.source ?? '';
}

interface ResolvedSource {
  files: Array<{ path: string; sha256: string }>;
  storage: string | null;
  runId?: string;
  /** The MLflow 3 logged model the source names (models:/m-…, runs:/<run>/<its name>, its location). */
  loggedModelId?: string;
}

const MLFLOW_ARTIFACTS_RE = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*)$/;

/** The files stored under an artifact path, relative to it (a single file keeps its base name). */
async function filesAt(deps: Deps, artifactPath: string, source: string) {
  const path = normalizeArtifactPath(artifactPath);
  const files = await filesUnder(deps.db, path);
  if (files.length === 0) {
    throw badParam(`Invalid model version source: '${source}'. No artifacts were uploaded under it; log the model before registering it.`);
  }
  return files.map((f) => ({ path: f.path === path ? path.split('/').pop()! : f.path.slice(path.length + 1), sha256: f.sha256 }));
}

async function resolveModelsSource(deps: Deps, source: string): Promise<ResolvedSource> {
  try {
    const ref = parseModelsUri(source);
    const number = await resolveRef(deps.db, ref);
    const original = await requireMlVersion(deps, ref.name, number);
    const files = await liveVersionFiles(deps.db, original.id);
    return { files: files.map((f) => ({ path: f.path, sha256: f.sha256 })), storage: await downloadUri(deps.db, original) };
  } catch (err) {
    if (!(err instanceof AppError || err instanceof MlflowError)) throw err;
    // MLflow answers this with a 500 (and its client retries); it is the caller's mistake: 400.
    throw badParam(`Unable to fetch model from model URI source artifact location '${source}': ${err.message}`);
  }
}

/**
 * Resolves a model-versions/create source. Sources under this server's artifact store (runs:/,
 * mlflow-artifacts:/, models:/) copy the manifest, so the version holds the bytes like any other;
 * anything else (s3://, a path) is recorded as given and holds no bytes here.
 */
export async function resolveSource(deps: Deps, source: string): Promise<ResolvedSource> {
  const logged = await loggedModelSource(deps, source);
  if (logged) return logged;
  if (source.startsWith('models:')) return resolveModelsSource(deps, source);
  const runs = /^runs:\/+([^/]+)\/?(.*)$/.exec(source);
  if (runs) {
    const run = await findRun(deps.db, runs[1]);
    if (!run) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Run '${runs[1]}' not found`);
    const root = MLFLOW_ARTIFACTS_RE.exec(run.artifact_uri)?.[1] ?? '';
    const sub = runs[2].replace(/\/+$/, '');
    const path = sub ? `${root}/${sub}` : root;
    return { files: await filesAt(deps, path, source), storage: `mlflow-artifacts:/${path}`, runId: run.run_id };
  }
  const proxied = MLFLOW_ARTIFACTS_RE.exec(source);
  if (proxied) return { files: await filesAt(deps, proxied[1], source), storage: source };
  const decoded = safeDecode(source);
  if (decoded.includes('\u0000') || decoded.split(/[/\\]/).some((s) => s === '..')) {
    throw badParam(
      `Invalid model version source: '${source}'. If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path references present. Please provide an absolute path.`,
    );
  }
  return { files: [], storage: null };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export const ENDPOINT_TAG = 'stagecraft.endpoint_url';

export interface RegisterInput {
  name: string;
  source: string;
  runId?: string;
  /** MLflow 3's model_id: the logged model the version is made from. */
  modelId?: string;
  description?: string;
  runLink?: string;
  tags: Array<{ key: string; value: string }>;
}

export async function registerVersion(deps: Deps, actor: string, input: RegisterInput): Promise<NamedVersion> {
  // MLflow checks the source before it looks the model up; so does this door.
  validateMlflowSource(input.source, { prompt: input.tags.some((t) => t.key === PROMPT_TAG), runId: input.runId });
  await requireMlModel(deps, input.name);
  const resolved = await resolveSource(deps, input.source);
  const loggedModelId = await loggedModelOfVersion(deps, input.modelId, resolved.loggedModelId);
  // Flavours Stagecraft cannot run itself are served through the http runtime: the MLflow client
  // names the model server with this version tag (e.g. an `mlflow models serve` URL).
  const endpoint = input.tags.find((t) => t.key === ENDPOINT_TAG)?.value;
  const view = await createVersion(deps, actor, input.name, {
    endpoint_url: endpoint || undefined,
    files: resolved.files,
    source: input.source,
    run_id: input.runId || resolved.runId,
    description: input.description,
    tags: Object.fromEntries(input.tags.map((t) => [t.key, t.value])),
  });
  const row = await requireMlVersion(deps, input.name, view.version);
  if (resolved.storage || input.runLink) {
    // After the version's own commit: a crash in between leaves a version whose download URI
    // falls back to its own files under _stagecraft/versions/, which hold the same bytes.
    await insertVersionMeta(deps.db, { version_id: row.id, storage_location: resolved.storage, run_link: input.runLink ?? null });
  }
  if (loggedModelId) await noteRegisteredVersion(deps, loggedModelId, row.id, input.name, row.version);
  return row;
}
