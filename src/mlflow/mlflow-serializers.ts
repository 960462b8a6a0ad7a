// MLflow's JSON: snake_case, millisecond numbers, version as a string, enums by name, unset fields
// and empty lists left out. Key order follows what MLflow 2.17's server writes.
import type { Db } from '../db/tables.js';
import { aliasesOfModels, latestPerStage, tagsAndAliasesOfModels, tagsOfVersions, type LatestVersionRow, type ModelRow as ModelsTable, type NamedVersion } from '../registry/index.js';
import { versionMetaOf } from './mlflow-version-meta-store.js';
import { loggedModelFieldsOfVersions, type LoggedModelFields } from './mlflow-logged-models-versions.js';

type Json = Record<string, unknown>;
type TagRow = { key: string; value: string };

export function versionJson(v: LatestVersionRow, tags: TagRow[], runLink: string | null, aliases?: string[], model?: LoggedModelFields): Json {
  const out: Json = {
    name: v.model_name,
    version: String(v.version),
    creation_timestamp: Number(v.created_at),
    last_updated_timestamp: Number(v.updated_at),
    current_stage: v.stage,
    description: v.description ?? '',
    source: v.source ?? '',
    run_id: v.run_id ?? '',
    status: v.status,
  };
  if (v.status_message) out.status_message = v.status_message;
  if (tags.length) out.tags = tags.map((t) => ({ key: t.key, value: t.value }));
  out.run_link = runLink ?? '';
  if (aliases && aliases.length) out.aliases = aliases;
  // MLflow 3's fields for a version made from a logged model (its OSS server leaves them empty).
  if (model) Object.assign(out, model);
  return out;
}

/**
 * Versions as MLflow shows them. `withAliases` only where MLflow 2.17 fills them (get, get by alias,
 * update); search results and latest_versions carry none (MLflow's quirk, kept for fidelity).
 */
export async function versionsJson(db: Db, rows: NamedVersion[], withAliases = false): Promise<Json[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  // The kernel's rows and the door's own meta (run links) side by side: no extra round trip.
  const [tags, meta, aliases, models] = await Promise.all([
    tagsOfVersions(db, ids),
    versionMetaOf(db, ids),
    withAliases ? aliasesOfModels(db, [...new Set(rows.map((r) => r.model_id))]) : Promise.resolve([]),
    loggedModelFieldsOfVersions(db, ids),
  ]);
  const tagsBy = group(tags, (t) => t.version_id);
  const runLinks = new Map(meta.map((m) => [m.version_id, m.run_link]));
  return rows.map((r) =>
    versionJson(
      r,
      tagsBy.get(r.id) ?? [],
      runLinks.get(r.id) ?? null,
      aliases.filter((a) => a.model_id === r.model_id && a.version === r.version).map((a) => a.alias),
      models.get(r.id),
    ),
  );
}

export async function modelsJson(db: Db, models: ModelsTable[]): Promise<Json[]> {
  if (models.length === 0) return [];
  const ids = models.map((m) => m.id);
  const [{ tags, aliases }, latest] = await Promise.all([tagsAndAliasesOfModels(db, ids), latestPerStage(db, ids)]);
  const latestJson = await versionsJson(db, latest);
  const tagsBy = group(tags, (t) => t.model_id);
  const aliasesBy = group(aliases, (a) => a.model_id);
  return models.map((m) =>
    modelJson(
      m,
      latestJson.filter((_, i) => latest[i].model_id === m.id),
      tagsBy.get(m.id) ?? [],
      aliasesBy.get(m.id) ?? [],
    ),
  );
}

/** One registered model as MLflow shows it, from its row, its latest versions' JSON, its tags and aliases. */
export function modelJson(m: ModelsTable, latestJson: Json[], tags: TagRow[], aliases: Array<{ alias: string; version: number }>): Json {
  const out: Json = { name: m.name, creation_timestamp: Number(m.created_at), last_updated_timestamp: Number(m.updated_at) };
  if (m.description) out.description = m.description;
  if (latestJson.length) out.latest_versions = latestJson;
  if (tags.length) out.tags = tags.map((x) => ({ key: x.key, value: x.value }));
  if (aliases.length) out.aliases = aliases.map((x) => ({ alias: x.alias, version: String(x.version) }));
  return out;
}

function group<T>(rows: T[], key: (r: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}
