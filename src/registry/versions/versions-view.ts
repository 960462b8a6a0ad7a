// What the API shows of a version. The --json contract (name, version, label, stage, aliases, tags,
// health, status, digest) other tools rely on is part of this shape.
import type { Db } from '../../db/tables.js';
import type { Signature } from '../../onnx/onnx-signature.js';
import { modelTagOf } from '../read-models.js';
import type { PythonModelInfo } from './mlmodel.js';
import { aliasesOfModels, versionTags, type VersionRow } from './versions-store.js';
import { isoTime } from '../iso-time.js';

/**
 * The interpreter a model's Python workers run instead of the gateway's (--python): a version tag,
 * else a model tag, naming e.g. a virtualenv's or conda env's bin/python.
 */
export const PYTHON_TAG = 'stagecraft.python';

/** What registration recorded of the version's MLflow model directory, and the interpreter chosen for it. */
export interface VersionPythonView extends PythonModelInfo {
  /** From the tag stagecraft.python (version, else model); null: the gateway's own interpreter. */
  interpreter: string | null;
}

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
  python: VersionPythonView | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  deleted: boolean;
}

export async function versionViews(db: Db, rows: Array<VersionRow & { model_name: string }>): Promise<VersionView[]> {
  if (rows.length === 0) return [];
  return composeVersionViews(rows, await versionViewReads(db, rows));
}

/** What a view reads besides the version's row: its tags, its model's aliases, the models' interpreter tags. */
export interface ViewReads {
  tags: Array<Pick<Awaited<ReturnType<typeof versionTags>>[number], 'version_id' | 'key' | 'value'>>;
  aliases: Array<Pick<Awaited<ReturnType<typeof aliasesOfModels>>[number], 'model_id' | 'alias' | 'version'>>;
  modelInterpreters: Map<string, string>;
}

/**
 * The reads of `versionViews`, apart, for a caller that knows the rows' ids before their final
 * state (a stage transition reads them beside its transaction, which changes none of them).
 */
export async function versionViewReads(db: Db, rows: Array<Pick<VersionRow, 'id' | 'model_id' | 'python'>>): Promise<ViewReads> {
  const pythonModels = [...new Set(rows.filter((r) => r.python).map((r) => r.model_id))];
  const [tags, aliases, modelInterpreters] = await Promise.all([
    versionTags(
      db,
      rows.map((r) => r.id),
    ),
    aliasesOfModels(db, [...new Set(rows.map((r) => r.model_id))]),
    modelTagOf(db, pythonModels, PYTHON_TAG),
  ]);
  return { tags, aliases, modelInterpreters };
}

export function composeVersionViews(rows: Array<VersionRow & { model_name: string }>, { tags, aliases, modelInterpreters }: ViewReads): VersionView[] {
  return rows.map((r) =>
    versionView(
      r,
      Object.fromEntries(tags.filter((t) => t.version_id === r.id).map((t) => [t.key, t.value])),
      aliases
        .filter((a) => a.model_id === r.model_id && a.version === r.version)
        .map((a) => a.alias)
        .sort(),
      modelInterpreters.get(r.model_id),
    ),
  );
}

/**
 * One version's view from its row, its own tags (by key), the aliases naming it (sorted) and its
 * model's interpreter tag: what composeVersionViews makes of each row, for a caller that has these
 * already (the one-query read: no intermediate lists to filter back).
 */
export function versionView(r: VersionRow & { model_name: string }, own: Record<string, string>, aliases: string[], modelInterpreter: string | undefined): VersionView {
  return {
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
    aliases,
    tags: own,
    health: r.health,
    health_reason: r.health_reason,
    digest: r.digest,
    size_bytes: Number(r.size_bytes),
    runtime: r.runtime,
    endpoint_url: r.endpoint_url,
    python: r.python ? { ...(JSON.parse(r.python) as PythonModelInfo), interpreter: own[PYTHON_TAG] || modelInterpreter || null } : null,
    created_by: r.created_by,
    created_at: isoTime(r.created_at),
    updated_at: isoTime(r.updated_at),
    deleted: r.deleted_at !== null,
  };
}
