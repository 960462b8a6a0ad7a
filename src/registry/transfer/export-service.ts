// `stagecraft export MODEL`: one model with everything it is — versions (manifests, tags, stage,
// health), aliases, its audit events and each extension's per-model settings — as a tar stream:
// the JSON first, then each distinct blob once, read through the BlobStore (verified while
// streaming: a corrupted blob cuts the stream short, and a cut archive never imports).
import tar from 'tar-stream';
import type { Deps } from '../deps.js';
import { portableEvents } from '../events/events-transfer.js';
import { requireModel } from '../models/models-service.js';
import { modelOrigin, modelTagsOf } from '../models/models-transfer.js';
import { portableAliases, portableVersions } from '../versions/versions-transfer.js';
import { VERSION } from '../../version.js';
import { ARCHIVE_FORMAT, ARCHIVE_FORMAT_VERSION, blobEntry, MODEL_ENTRY, type ModelArchive } from './archive-format.js';

/** The archive's JSON for the model: one consistent read (a transaction), so events and rows agree. */
export async function describeModel(deps: Deps, name: string, actor: string): Promise<ModelArchive> {
  return deps.db.transaction().execute(async (trx) => {
    const model = await requireModel(trx, name);
    const ref = { id: model.id, name: model.name };
    const settings: Record<string, unknown> = {};
    for (const part of deps.modelTransfers) {
      const data = await part.export(trx, ref);
      if (data !== null && data !== undefined) settings[part.name] = data;
    }
    return {
      format: ARCHIVE_FORMAT,
      format_version: ARCHIVE_FORMAT_VERSION,
      exported_at: deps.clock.now(),
      exported_by: actor,
      producer: `stagecraft ${VERSION}`,
      model: {
        origin: modelOrigin(model),
        name: model.name,
        description: model.description,
        protected: Number(model.protected) === 1,
        created_by: model.created_by,
        created_at: Number(model.created_at),
        last_version: Number(model.last_version),
        tags: await modelTagsOf(trx, model.id),
      },
      versions: await portableVersions(trx, model.id),
      aliases: await portableAliases(trx, model.id),
      events: await portableEvents(trx, model.id),
      settings,
    };
  });
}

/** The blobs extensions' settings name (a gates holdout), with their sizes (a tar entry needs it up front). */
async function settingsBlobs(deps: Deps, archive: ModelArchive): Promise<Array<{ sha256: string; size: number }>> {
  const out: Array<{ sha256: string; size: number }> = [];
  for (const part of deps.modelTransfers) {
    if (archive.settings[part.name] === undefined || !part.blobs) continue;
    for (const sha256 of part.blobs(archive.settings[part.name])) {
      const stored = await deps.blobs.stat(sha256);
      // Gone from the store (it should not be: gc keeps what settings reference): the import will say so.
      if (stored) out.push({ sha256, size: stored.size });
    }
  }
  return out;
}

/** The archive as a tar stream; errors (a corrupted blob) destroy the stream rather than end it cleanly. */
export function packModelArchive(deps: Deps, archive: ModelArchive): tar.Pack {
  const pack = tar.pack();
  void (async () => {
    try {
      pack.entry({ name: MODEL_ENTRY }, JSON.stringify(archive, null, 1));
      const seen = new Set<string>();
      for (const f of [...archive.versions.flatMap((v) => v.files), ...(await settingsBlobs(deps, archive))]) {
        if (seen.has(f.sha256)) continue;
        seen.add(f.sha256);
        const entry = pack.entry({ name: blobEntry(f.sha256), size: f.size });
        // A failure is reported once, by the pack (which cuts the response short), not again by its entry.
        entry.on('error', () => {});
        for await (const chunk of deps.blobs.open(f.sha256)) {
          if (!entry.write(chunk)) await new Promise<void>((resolve) => entry.once('drain', () => resolve()));
        }
        await new Promise<void>((resolve, reject) => entry.end((err?: Error | null) => (err ? reject(err) : resolve())));
      }
      pack.finalize();
    } catch (err) {
      pack.destroy(err as Error);
    }
  })();
  return pack;
}
