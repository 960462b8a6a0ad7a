// Use cases for versions: register (from stored blobs), read, list, describe, delete, tag, mark health.
import type { Deps } from '../deps.js';
import { AppError, conflict, invalid, notFound } from '../../errors.js';
import type { Db } from '../../db/tables.js';
import { statMany } from '../../blobs/stat-many.js';
import { isCorrupted } from '../../blobs/verify.js';
import { decodeCursor, encodeCursor, isTuple2, visiblePage } from '../../http/paging.js';
import { readOnnxSignature, type Signature } from '../../onnx/onnx-signature.js';
import { holdBlobs } from '../blob-guard.js';
import { commit } from '../events/events-service.js';
import { assignVersionNumber, refuseWhileProtected, requireModel, servedTargets, touchModel } from '../models/models-service.js';
import { validateDescription, validateTag } from '../models/models.js';
import { searchVersions } from '../read-models.js';
import { writeHealth } from './pointers-service.js';
import {
  deleteAliasesOf,
  findVersion,
  insertFiles,
  insertVersion,
  updateVersionRow,
  upsertVersionTag,
  deleteVersionTag,
  versionFiles,
} from './versions-store.js';
import { mlflowModelRoot, parseMlmodel, requirementsOf, REQUIREMENTS_FILES, type PythonModelInfo } from './mlmodel.js';
import { canonicalStage, manifestDigest, validateArtifactPath, validateLabel, type Health, type ManifestEntry } from './versions.js';
import { versionViewByNumber, versionWithPointers, viewReadsOf } from './version-view-reads.js';
import { versionViews, type VersionView, type ViewReads } from './versions-view.js';

export interface CreateVersionInput {
  files?: Array<{ path: string; sha256: string }>;
  label?: string;
  description?: string;
  source?: string;
  run_id?: string;
  params?: Record<string, string | number | boolean>;
  metrics?: Record<string, number>;
  dataset_digest?: string;
  code_ref?: string;
  tags?: Record<string, string>;
  runtime?: 'onnx' | 'http';
  endpoint_url?: string;
  signature?: Signature;
  /** MLflow's create answers PENDING_REGISTRATION until its artifacts are copied in. */
  status?: 'READY' | 'PENDING_REGISTRATION';
}

/** The live model and its live version, or 404. */
export async function requireVersion(db: Db, modelName: string, version: number) {
  const model = await requireModel(db, modelName);
  const row = await findVersion(db, model.id, version);
  if (!row) throw notFound(`model "${modelName}" has no version ${version}`);
  return { model, row };
}

/**
 * The model and its version with what the version's view reads besides the row (tags, aliases,
 * interpreter), in two queries side by side: what a stage transition needs before it moves the
 * version (its answer is the moved row with these; a transition changes none of them).
 */
export async function requireVersionForMove(db: Db, modelName: string, version: number) {
  const [model, found] = await Promise.all([requireModel(db, modelName), versionWithPointers(db, modelName, version)]);
  if (!found) throw notFound(`model "${modelName}" has no version ${version}`);
  const reads: ViewReads = viewReadsOf(found);
  return { model, row: found.row, reads };
}

export async function loadVersionView(db: Db, modelName: string, version: number): Promise<VersionView> {
  // One query when the version is there; on a miss the general path says what is missing.
  return (await versionViewByNumber(db, modelName, version)) ?? (await loadVersion(db, modelName, version)).view;
}

/** The version as the API shows it, with its model's row (for callers that also need the model id). */
export async function loadVersion(db: Db, modelName: string, version: number) {
  const { model, row } = await requireVersion(db, modelName, version);
  const [view] = await versionViews(db, [{ ...row, model_name: model.name }]);
  return { model, view };
}

/** Checks every listed blob is stored, and reads the ONNX signature when the version holds a model. */
async function resolveManifest(deps: Deps, files: CreateVersionInput['files'] = []) {
  const seen = new Set<string>();
  const listed = files.map((f) => {
    const path = validateArtifactPath(f.path);
    if (seen.has(path)) throw invalid(`artifact path "${path}" is listed twice`);
    seen.add(path);
    return { path, given: f.sha256, sha256: String(f.sha256).toLowerCase() };
  });
  // Bounded-parallel (statMany): one request per blob on an object store, and a version may hold thousands.
  const stats = await statMany(deps.blobs, listed.map((f) => f.sha256));
  const manifest: ManifestEntry[] = listed.map(({ path, given, sha256 }) => {
    const blob = stats.get(sha256);
    if (!blob) throw invalid(`no uploaded bytes with sha256 ${given} (for "${path}"); upload them to /api/v1/blobs first`);
    return { path, size: blob.size, sha256: blob.sha256 };
  });
  const onnxFiles = manifest.filter((f) => f.path.toLowerCase().endsWith('.onnx'));
  const modelFile = onnxFiles.find((f) => f.path === 'model.onnx' || f.path.endsWith('/model.onnx')) ?? onnxFiles[0];
  const signature = modelFile ? readOnnxSignature(await readModelBytes(deps, modelFile), modelFile.path) : null;
  const python = await readPythonModel(deps, manifest);
  return { manifest, signature, python, pyfunc: !signature && !!python?.flavors.includes('python_function') };
}

const MAX_MLMODEL_BYTES = 1024 ** 2;

/**
 * What the version's MLflow model directory says of itself (flavors, python_version, requirements),
 * or null when it holds none. A version with a python_function flavor and no ONNX model is the
 * Python runtime's; the python-env gate checks its requirements against the interpreter.
 */
async function readPythonModel(deps: Deps, manifest: ManifestEntry[]): Promise<PythonModelInfo | null> {
  const root = mlflowModelRoot(manifest);
  const at = (name: string) => manifest.find((f) => f.path === `${root}${name}` && f.size <= MAX_MLMODEL_BYTES);
  const file = root === null ? undefined : at('MLmodel');
  if (!file) return null;
  const meta = parseMlmodel((await readModelBytes(deps, file)).toString('utf8'));
  if (!meta) return null;
  for (const name of REQUIREMENTS_FILES) {
    const f = at(name);
    const requirements = f ? requirementsOf(name, (await readModelBytes(deps, f)).toString('utf8')) : null;
    if (requirements) return { ...meta, requirements, requirements_file: name };
  }
  return { ...meta, requirements: [], requirements_file: null };
}

/** The model file's bytes; a corrupted stored copy is the caller's to repair (a 409 saying how), not a 500. */
async function readModelBytes(deps: Deps, file: ManifestEntry): Promise<Buffer> {
  try {
    return await deps.blobs.read(file.sha256);
  } catch (err) {
    if (!isCorrupted(err)) throw err;
    throw conflict(`the stored bytes of "${file.path}" (blob ${file.sha256}) are corrupted on disk; upload them again to repair the blob, then retry`, { sha256: file.sha256 });
  }
}

export async function createVersion(deps: Deps, actor: string, modelName: string, input: CreateVersionInput) {
  if (input.label !== undefined) validateLabel(input.label);
  const description = validateDescription(input.description ?? '');
  for (const [k, v] of Object.entries(input.tags ?? {})) validateTag(k, v);
  if (input.endpoint_url !== undefined && !/^https?:\/\//.test(input.endpoint_url)) {
    throw invalid(`endpoint_url "${input.endpoint_url}" must be an http:// or https:// URL`);
  }
  // Blob first, row second: the bytes are already stored (and verified here) before any row exists,
  // so a crash can leave an orphan blob but never a version pointing at missing bytes.
  const { manifest, signature, python, pyfunc } = await resolveManifest(deps, input.files);
  const runtime = input.runtime ?? (signature ? 'onnx' : input.endpoint_url ? 'http' : pyfunc ? 'python' : null);
  if (runtime === 'http' && !input.endpoint_url) throw invalid('runtime "http" needs an endpoint_url');
  if (runtime === 'onnx' && !signature) throw invalid('runtime "onnx" needs a .onnx file among the artifacts');
  const now = deps.clock.now();
  const id = deps.ids.uuid();
  const version = await commit(
    deps,
    async (trx, append) => {
      const model = await requireModel(trx, modelName);
      // Checked again under gc's lock: bytes stat'ed above may have been collected since.
      await holdBlobs(trx, deps, manifest.map((f) => f.sha256));
      const number = await assignVersionNumber(trx, model.id);
      await insertVersion(trx, {
        id,
        model_id: model.id,
        version: number,
        label: input.label ?? null,
        description,
        source: input.source ?? null,
        run_id: input.run_id ?? null,
        params: JSON.stringify(Object.fromEntries(Object.entries(input.params ?? {}).map(([k, v]) => [k, String(v)]))),
        metrics: JSON.stringify(input.metrics ?? {}),
        dataset_digest: input.dataset_digest ?? null,
        code_ref: input.code_ref ?? null,
        signature: JSON.stringify(signature ?? input.signature ?? null),
        status: input.status ?? 'READY',
        status_message: null,
        stage: 'None',
        health: 'unknown',
        health_reason: null,
        digest: manifest.length ? manifestDigest(manifest) : null,
        size_bytes: manifest.reduce((s, f) => s + f.size, 0),
        runtime,
        endpoint_url: input.endpoint_url ?? null,
        python: python ? JSON.stringify(python) : null,
        created_by: actor,
        created_at: now,
        updated_at: now,
        deleted_at: null,
      });
      await insertFiles(trx, id, manifest);
      await touchModel(trx, model.id, now);
      for (const [k, v] of Object.entries(input.tags ?? {})) await upsertVersionTag(trx, id, k, v);
      await append({
        actor,
        type: 'version.created',
        model,
        version: number,
        details: { label: input.label ?? null, files: manifest.length, digest: manifest.length ? manifestDigest(manifest) : null, source: input.source ?? null },
      });
      return number;
    },
    () =>
      input.label !== undefined
        ? conflict(`model "${modelName}" already has a version labelled "${input.label}"`)
        : new AppError('conflict', 'concurrent version creation; retry'),
  );
  return loadVersionView(deps.db, modelName, version);
}

export async function listVersions(
  deps: Deps,
  q: { model?: string; search?: string; stage?: string; health?: string; run_id?: string; label?: string; tag?: string; limit: number; cursor?: string },
  /** The models the caller may read (per-model grants): other models' versions are skipped. */
  visible?: (model: string) => boolean,
) {
  const model = q.model ? await requireModel(deps.db, q.model) : undefined;
  const after = decodeCursor(q.cursor, isTuple2);
  let tag: { key: string; value?: string } | undefined;
  if (q.tag) {
    const eq = q.tag.indexOf('=');
    tag = eq < 0 ? { key: q.tag } : { key: q.tag.slice(0, eq), value: q.tag.slice(eq + 1) };
  }
  const rows = await visiblePage((after, limit) => searchVersions(deps.db, {
    modelId: model?.id,
    nameLike: q.search,
    // Any case, as every other stage input: `?stage=production` lists Production, a typo is a 400
    // naming the stages, never an empty page.
    stage: q.stage === undefined ? undefined : canonicalStage(q.stage),
    health: q.health,
    runId: q.run_id,
    label: q.label,
    tag,
    after,
    limit,
    ilike: deps.caps.ilike,
  }), (r) => [r.model_name, r.version] as [string, number], visible && ((r) => visible(r.model_name)), after, q.limit);
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    versions: await versionViews(deps.db, page),
    next_cursor: rows.length > q.limit ? encodeCursor([last.model_name, last.version]) : null,
  };
}

export async function getManifest(deps: Deps, modelName: string, version: number) {
  const { row } = await requireVersion(deps.db, modelName, version);
  return { digest: row.digest, files: await versionFiles(deps.db, row.id) };
}

export async function updateVersion(deps: Deps, actor: string, modelName: string, version: number, patch: { description?: string }) {
  await commit(deps, async (trx, append) => {
    const { model, row } = await requireVersion(trx, modelName, version);
    if (patch.description === undefined) return;
    const description = validateDescription(patch.description);
    await updateVersionRow(trx, row.id, { description, updated_at: deps.clock.now() });
    await append({ actor, type: 'version.updated', model, version, from: row.description, to: description, details: { field: 'description' } });
  });
  return loadVersionView(deps.db, modelName, version);
}

/**
 * Soft delete: the number stays taken, the row stays in history, its aliases go, and a stage it held
 * stops being served. The native door refuses to delete the Production holder (roll back or archive
 * first); MLflow's door deletes it as MLflow does (`whileServing`). A serving version of a protected
 * model is never deleted.
 */
export async function deleteVersion(deps: Deps, actor: string, modelName: string, version: number, reason?: string, opts: { whileServing?: boolean } = {}) {
  await commit(deps, async (trx, append) => {
    const { model, row } = await requireVersion(trx, modelName, version);
    const mine = (await servedTargets(trx, model)).filter((t) => t.endsWith(` v${version}`));
    refuseWhileProtected(model, `deleting version ${version}`, mine);
    if (row.stage === 'Production' && !opts.whileServing) {
      throw conflict(`version ${version} of "${modelName}" is in Production; roll back or archive it before deleting it`);
    }
    const aliases = await deleteAliasesOf(trx, model.id, version);
    for (const alias of aliases) {
      await append({ actor, type: 'alias.deleted', model, version, target: `alias:${alias}`, from: version, to: null, reason: 'version deleted' });
    }
    const now = deps.clock.now();
    await updateVersionRow(trx, row.id, { deleted_at: now, updated_at: now });
    await touchModel(trx, model.id, now);
    await append({ actor, type: 'version.deleted', model, version, reason: reason ?? null, details: { aliases_removed: aliases, stage: row.stage } });
  });
  await deps.feed.poke();
}

export async function markHealth(
  deps: Deps,
  actor: string,
  modelName: string,
  version: number,
  health: Health,
  reason: string | undefined,
  details: Record<string, unknown> = {},
) {
  if (health === 'failed' && !reason) throw invalid('a reason is required to mark a version failed');
  await commit(deps, async (trx, append) => {
    const { model, row } = await requireVersion(trx, modelName, version);
    await writeHealth(trx, row.id, health, reason ?? null, deps.clock.now());
    await append({ actor, type: 'version.health_changed', model, version, from: row.health, to: health, reason: reason ?? null, details });
  });
  return loadVersionView(deps.db, modelName, version);
}

export async function setVersionTag(deps: Deps, actor: string, modelName: string, version: number, key: string, value: string) {
  validateTag(key, value);
  await commit(deps, async (trx, append) => {
    const { model, row } = await requireVersion(trx, modelName, version);
    await upsertVersionTag(trx, row.id, key, value);
    await append({ actor, type: 'version.tag_set', model, version, details: { key, value } });
  });
}

export async function removeVersionTag(deps: Deps, actor: string, modelName: string, version: number, key: string) {
  await commit(deps, async (trx, append) => {
    const { model, row } = await requireVersion(trx, modelName, version);
    if (!(await deleteVersionTag(trx, row.id, key))) throw notFound(`version ${version} of "${modelName}" has no tag "${key}"`);
    await append({ actor, type: 'version.tag_deleted', model, version, details: { key } });
  });
}
