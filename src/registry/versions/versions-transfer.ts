// A model's versions (rows, files, tags) and aliases in and out of a model archive
// (registry/transfer/). An imported version keeps its number, creator, times, stage and health
// (failed + reason), and records its origin key in imported_from; a second import of the same
// archive finds every key present. Files are checked against the blob store before this runs.
import type { Db } from '../../db/tables.js';
import { aliasesOfModels, findAlias, insertFiles, insertVersion, putAlias, updateVersionRow, upsertVersionTag, versionFiles, versionsOfModel, versionTags } from './versions-store.js';
import { canonicalStage, HEALTHS, manifestDigest, validateAlias, validateArtifactPath, validateLabel, type Health, type ManifestEntry } from './versions.js';
import { invalid } from '../../errors.js';

/** A version as it travels between registries. */
export interface PortableVersion {
  origin: string;
  version: number;
  label: string | null;
  description: string;
  source: string | null;
  run_id: string | null;
  params: Record<string, string>;
  metrics: Record<string, number>;
  dataset_digest: string | null;
  code_ref: string | null;
  signature: unknown;
  status: string;
  status_message: string | null;
  stage: string;
  health: string;
  health_reason: string | null;
  runtime: string | null;
  endpoint_url: string | null;
  python: unknown;
  created_by: string;
  created_at: number;
  updated_at: number;
  tags: Record<string, string>;
  files: ManifestEntry[];
}

const json = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

/** The model's live versions, lowest first, with their files and tags. */
export async function portableVersions(db: Db, modelId: string): Promise<PortableVersion[]> {
  const rows = (await versionsOfModel(db, modelId)).filter((r) => r.deleted_at === null);
  const tags = await versionTags(db, rows.map((r) => r.id));
  const out: PortableVersion[] = [];
  for (const r of rows) {
    out.push({
      origin: r.imported_from ?? `${modelId}@v${Number(r.version)}`,
      version: Number(r.version),
      label: r.label,
      description: r.description,
      source: r.source,
      run_id: r.run_id,
      params: json(r.params) as Record<string, string>,
      metrics: json(r.metrics) as Record<string, number>,
      dataset_digest: r.dataset_digest,
      code_ref: r.code_ref,
      signature: json(r.signature),
      status: r.status,
      status_message: r.status_message,
      stage: r.stage,
      health: r.health,
      health_reason: r.health_reason,
      runtime: r.runtime,
      endpoint_url: r.endpoint_url,
      python: json(r.python),
      created_by: r.created_by,
      created_at: Number(r.created_at),
      updated_at: Number(r.updated_at),
      tags: Object.fromEntries(tags.filter((t) => t.version_id === r.id).map((t) => [t.key, t.value])),
      files: await versionFiles(db, r.id),
    });
  }
  return out;
}

export async function portableAliases(db: Db, modelId: string) {
  return (await aliasesOfModels(db, [modelId])).map((a) => ({ alias: a.alias, version: Number(a.version), updated_at: Number(a.updated_at) }));
}

/** Every version number the model has used (deleted ones too), with its row id and origin key. */
export async function versionNumbersOf(db: Db, modelId: string): Promise<Map<number, { id: string; origin: string; deleted: boolean }>> {
  const rows = await versionsOfModel(db, modelId);
  return new Map(rows.map((r) => [Number(r.version), { id: r.id, origin: r.imported_from ?? `${modelId}@v${Number(r.version)}`, deleted: r.deleted_at !== null }]));
}

/** The kernel's rules for what an archive may hold: a 400 naming the version otherwise. */
export function checkPortableVersion(v: PortableVersion): void {
  const where = `version ${v.version}`;
  try {
    if (v.label !== null) validateLabel(v.label);
    canonicalStage(v.stage);
    for (const f of v.files) validateArtifactPath(f.path);
  } catch (err) {
    throw invalid(`${where}: ${(err as Error).message}`);
  }
  if (!(HEALTHS as readonly string[]).includes(v.health)) throw invalid(`${where}: health "${v.health}" is not one of ${HEALTHS.join(', ')}`);
  if (v.health === 'failed' && !v.health_reason) throw invalid(`${where}: a failed version needs its reason`);
  if (new Set(v.files.map((f) => f.path)).size !== v.files.length) throw invalid(`${where}: a file path is listed twice`);
}

export function checkPortableAlias(alias: string): void {
  validateAlias(alias);
}

const row = (v: PortableVersion) => ({
  label: v.label,
  description: v.description,
  source: v.source,
  run_id: v.run_id,
  params: JSON.stringify(v.params),
  metrics: JSON.stringify(v.metrics),
  dataset_digest: v.dataset_digest,
  code_ref: v.code_ref,
  signature: JSON.stringify(v.signature ?? null),
  status: v.status,
  status_message: v.status_message,
  stage: canonicalStage(v.stage),
  health: v.health as Health,
  health_reason: v.health_reason,
  digest: v.files.length ? manifestDigest(v.files) : null,
  size_bytes: v.files.reduce((s, f) => s + f.size, 0),
  runtime: v.runtime,
  endpoint_url: v.endpoint_url,
  python: v.python === null || v.python === undefined ? null : JSON.stringify(v.python),
  created_by: v.created_by,
  created_at: v.created_at,
  updated_at: v.updated_at,
});

export async function insertImportedVersion(db: Db, modelId: string, id: string, v: PortableVersion): Promise<void> {
  await insertVersion(db, { id, model_id: modelId, version: v.version, ...row(v), deleted_at: null, imported_from: v.origin });
  await insertFiles(db, id, v.files);
  for (const [k, value] of Object.entries(v.tags)) await upsertVersionTag(db, id, k, value);
}

/** A later import of a version already here: its state (stage, health, description, tags) becomes the archive's. */
export async function refreshImportedVersion(db: Db, id: string, v: PortableVersion): Promise<void> {
  const r = row(v);
  await updateVersionRow(db, id, { stage: r.stage, health: r.health, health_reason: r.health_reason, description: r.description, status: r.status, status_message: r.status_message, updated_at: r.updated_at });
  for (const [k, value] of Object.entries(v.tags)) await upsertVersionTag(db, id, k, value);
}

export async function putImportedAlias(db: Db, modelId: string, a: { alias: string; version: number; updated_at: number }): Promise<void> {
  const exists = await findAlias(db, modelId, a.alias);
  await putAlias(db, modelId, a.alias, a.version, a.updated_at, !!exists);
}
