// What the API shows of a version. The --json contract (name, version, label, stage, aliases, tags,
// health, status, digest) other tools rely on is part of this shape.
import type { Db } from '../../db/tables.js';
import type { Signature } from '../../onnx/onnx-signature.js';
import { aliasesOfModels, versionTags, type VersionRow } from './versions-store.js';

export interface VersionView {
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

const iso = (ms: number) => new Date(Number(ms)).toISOString();

export async function versionViews(db: Db, rows: Array<VersionRow & { model_name: string }>): Promise<VersionView[]> {
  if (rows.length === 0) return [];
  const [tags, aliases] = await Promise.all([
    versionTags(
      db,
      rows.map((r) => r.id),
    ),
    aliasesOfModels(db, [...new Set(rows.map((r) => r.model_id))]),
  ]);
  return rows.map((r) => ({
    name: r.model_name,
    version: r.version,
    label: r.label,
    description: r.description,
    source: r.source,
    run_id: r.run_id,
    params: JSON.parse(r.params) as Record<string, string>,
    metrics: JSON.parse(r.metrics) as Record<string, number>,
    dataset_digest: r.dataset_digest,
    code_ref: r.code_ref,
    signature: r.signature ? (JSON.parse(r.signature) as Signature) : null,
    status: r.status,
    status_message: r.status_message,
    stage: r.stage,
    aliases: aliases
      .filter((a) => a.model_id === r.model_id && a.version === r.version)
      .map((a) => a.alias)
      .sort(),
    tags: Object.fromEntries(tags.filter((t) => t.version_id === r.id).map((t) => [t.key, t.value])),
    health: r.health,
    health_reason: r.health_reason,
    digest: r.digest,
    size_bytes: Number(r.size_bytes),
    runtime: r.runtime,
    endpoint_url: r.endpoint_url,
    created_by: r.created_by,
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
    deleted: r.deleted_at !== null,
  }));
}
