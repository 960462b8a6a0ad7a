// The model archive (`stagecraft export` / `stagecraft import`, and what `stagecraft gto import`
// builds from git tags): a tar whose first entry is MODEL_ENTRY, this JSON, followed by one entry
// `blobs/<sha256>` per distinct file content. One schema is both the type and the check the import
// runs before anything is written, so a bad archive is a 400 naming the field, never a 500.
// Origin keys (`origin` fields) name a row on the registry it was first made on; they survive
// re-exports, so importing the same history twice — or through a third server — finds it present.
import { Type, type Static } from 'typebox';
import { invalid } from '../../errors.js';

export const ARCHIVE_FORMAT = 'stagecraft.model-archive';
export const ARCHIVE_FORMAT_VERSION = 1;
/** The archive's first entry. */
export const MODEL_ENTRY = 'stagecraft-model.json';
/** Where each file's bytes are, by digest. */
export const blobEntry = (sha256: string) => `blobs/${sha256}`;
/** The JSON entry is held in memory: bounded, so a hostile archive cannot exhaust the server. */
export const MAX_MODEL_ENTRY_BYTES = 256 * 1024 ** 2;

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Time = Type.Integer({ minimum: 0 });
const Sha = Type.String({ pattern: '^[0-9a-f]{64}$' });

const ArchiveFile = Type.Object({ path: Type.String(), size: Type.Integer({ minimum: 0 }), sha256: Sha });

const ArchiveVersion = Type.Object({
  origin: Type.String({ minLength: 1 }),
  version: Type.Integer({ minimum: 1 }),
  label: Nullable(Type.String()),
  description: Type.String(),
  source: Nullable(Type.String()),
  run_id: Nullable(Type.String()),
  params: Type.Record(Type.String(), Type.String()),
  metrics: Type.Record(Type.String(), Type.Number()),
  dataset_digest: Nullable(Type.String()),
  code_ref: Nullable(Type.String()),
  signature: Type.Unknown(),
  status: Type.String(),
  status_message: Nullable(Type.String()),
  stage: Type.String(),
  health: Type.String(),
  health_reason: Nullable(Type.String()),
  runtime: Nullable(Type.String()),
  endpoint_url: Nullable(Type.String()),
  python: Type.Unknown(),
  created_by: Type.String(),
  created_at: Time,
  updated_at: Time,
  tags: Type.Record(Type.String(), Type.String()),
  files: Type.Array(ArchiveFile),
});

const ArchiveEvent = Type.Object({
  origin: Type.String({ minLength: 1 }),
  time: Time,
  actor: Type.String(),
  version: Nullable(Type.Integer()),
  type: Type.String(),
  target: Nullable(Type.String()),
  from: Nullable(Type.String()),
  to: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  details: Type.Record(Type.String(), Type.Unknown()),
});

export const ModelArchiveSchema = Type.Object({
  format: Type.Literal(ARCHIVE_FORMAT),
  format_version: Type.Literal(ARCHIVE_FORMAT_VERSION),
  exported_at: Time,
  exported_by: Type.String(),
  /** What made it: `stagecraft <version>` or `stagecraft gto import`. */
  producer: Type.String(),
  model: Type.Object({
    origin: Type.String({ minLength: 1 }),
    name: Type.String(),
    description: Type.String(),
    protected: Type.Boolean(),
    created_by: Type.String(),
    created_at: Time,
    last_version: Type.Integer({ minimum: 0 }),
    tags: Type.Record(Type.String(), Type.String()),
  }),
  versions: Type.Array(ArchiveVersion),
  aliases: Type.Array(Type.Object({ alias: Type.String(), version: Type.Integer({ minimum: 1 }), updated_at: Time })),
  /** The model's audit events, oldest first. */
  events: Type.Array(ArchiveEvent),
  /** Each extension's per-model settings (observe's policy, gates, approvals), by its part's name. */
  settings: Type.Record(Type.String(), Type.Unknown()),
});

export type ModelArchive = Static<typeof ModelArchiveSchema>;
export type ArchiveVersion = Static<typeof ArchiveVersion>;
export type ArchiveEvent = Static<typeof ArchiveEvent>;

/**
 * Parses and checks the JSON entry; a 400 naming the first wrong field otherwise. Async because
 * TypeBox's value checker is imported on first use: ~600 modules, ~0.1 s of a server's start (issue 18.5).
 */
export async function parseModelArchive(text: string): Promise<ModelArchive> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalid(`${MODEL_ENTRY} is not JSON: ${(err as Error).message}`);
  }
  const format = (value as { format?: unknown } | null)?.format;
  if (format !== ARCHIVE_FORMAT) throw invalid(`not a Stagecraft model archive: ${MODEL_ENTRY} has format ${JSON.stringify(format)}, expected "${ARCHIVE_FORMAT}"`);
  const { Value } = await import('typebox/value');
  if (!Value.Check(ModelArchiveSchema, value)) {
    const [first] = Value.Errors(ModelArchiveSchema, value);
    throw invalid(`${MODEL_ENTRY}: ${first?.instancePath || '/'} ${first?.message ?? 'does not match the archive format'}`);
  }
  return value;
}
