// `stagecraft import model.tar [--as NAME]`: applies a checked archive in one transaction — the
// model, its versions (numbers, creators, times, stages, health), aliases, its audit events with
// their original actors and times marked imported, and each extension's settings — then one
// `model.imported` event of its own. Rules:
// - the name is free: the model is created;
// - the name is taken by the same model (same origin key: a re-import, or a later export of it):
//   what is already here is kept, what is new is added, stages/health/aliases/settings become the
//   archive's; when nothing is new, nothing is written at all (importing twice changes nothing);
// - the name is taken by another model: 409 name_clash, unless `as` names a free one.
import type { Deps } from '../deps.js';
import { conflict, invalid } from '../../errors.js';
import { commit } from '../events/events-service.js';
import { EVENT_TYPES } from '../events/events.js';
import { insertImportedEvents, presentEventOrigins } from '../events/events-transfer.js';
import { findLiveModelIn, insertImportedModel, modelOrigin, refreshImportedModel } from '../models/models-transfer.js';
import { validateModelName } from '../models/models.js';
import { checkPortableAlias, checkPortableVersion, insertImportedVersion, putImportedAlias, refreshImportedVersion, versionNumbersOf } from '../versions/versions-transfer.js';
import type { ModelArchive } from './archive-format.js';

export interface ImportOptions {
  /** Import under this name instead of the archive's. */
  as?: string;
}

export interface ImportResult {
  model: string;
  /** True when the model was created by this import. */
  created: boolean;
  /** False when everything in the archive was already here: nothing was written. */
  changed: boolean;
  versions_added: number[];
  events_added: number;
  settings: string[];
  origin: string;
}

/** Every check that needs no database: the whole archive is refused before a row is written. */
function checkArchive(deps: Deps, a: ModelArchive, verified: Set<string>): void {
  const numbers = new Set<number>();
  for (const v of a.versions) {
    checkPortableVersion(v);
    if (numbers.has(v.version)) throw invalid(`version ${v.version} is listed twice`);
    numbers.add(v.version);
    if (v.version > a.model.last_version) throw invalid(`version ${v.version} is above the model's last_version ${a.model.last_version}`);
    for (const f of v.files) {
      if (!verified.has(f.sha256)) throw invalid(`version ${v.version} file "${f.path}": its bytes (blobs/${f.sha256}) are not in the archive`);
    }
  }
  for (const al of a.aliases) {
    checkPortableAlias(al.alias);
    if (!numbers.has(al.version)) throw invalid(`alias "${al.alias}" points at version ${al.version}, which the archive does not hold`);
  }
  const known = new Set<string>(EVENT_TYPES);
  for (const e of a.events) if (!known.has(e.type)) throw invalid(`event ${e.origin}: type "${e.type}" is not one this registry knows`);
  const parts = new Set(deps.modelTransfers.map((p) => p.name));
  for (const key of Object.keys(a.settings)) {
    if (!parts.has(key)) throw invalid(`settings "${key}": no extension of this server keeps them (enable it, or remove the section)`);
  }
}

/** Bytes an extension's settings name (a gates holdout) must be in the archive or already stored here. */
async function checkSettingsBlobs(deps: Deps, a: ModelArchive, verified: Set<string>): Promise<void> {
  for (const part of deps.modelTransfers) {
    if (a.settings[part.name] === undefined || !part.blobs) continue;
    for (const sha256 of part.blobs(a.settings[part.name])) {
      if (verified.has(sha256) || (await deps.blobs.stat(sha256))) continue;
      throw invalid(`settings "${part.name}" name blob ${sha256}, which is neither in the archive nor stored here (upload it with POST /api/v1/blobs, or export the model again)`);
    }
  }
}

export async function importModel(deps: Deps, actor: string, a: ModelArchive, verified: Set<string>, opts: ImportOptions = {}): Promise<ImportResult> {
  const name = validateModelName(opts.as ?? a.model.name);
  checkArchive(deps, a, verified);
  await checkSettingsBlobs(deps, a, verified);
  const origin = a.model.origin;
  const result = await commit(
    deps,
    async (trx, append) => {
      const existing = await findLiveModelIn(trx, name);
      if (existing && modelOrigin(existing) !== origin) {
        throw conflict(`model "${name}" already exists here and is not the archive's model; import it under another name with --as NAME`, { reason: 'name_clash' });
      }
      const id = existing?.id ?? deps.ids.uuid();
      const ref = { id, name };
      const numbers = existing ? await versionNumbersOf(trx, id) : new Map<number, { id: string; origin: string; deleted: boolean }>();
      const present = existing ? await presentEventOrigins(trx, id) : new Set<string>();
      const added: number[] = [];
      for (const v of a.versions) {
        const here = numbers.get(v.version);
        if (here && here.origin !== v.origin) throw conflict(`version ${v.version} of "${name}" here is not the archive's version ${v.version}; import under another name with --as NAME`, { reason: 'version_clash' });
        if (!here) added.push(v.version);
      }
      const events = a.events.filter((e) => !present.has(e.origin));
      if (existing && added.length === 0 && events.length === 0) return { created: false, changed: false, added, events: 0 };
      const now = deps.clock.now();
      const model = { description: a.model.description, protected: a.model.protected, updated_at: now, last_version: a.model.last_version, tags: a.model.tags };
      if (existing) await refreshImportedModel(trx, existing, model);
      else await insertImportedModel(trx, { ...model, id, name, created_by: a.model.created_by, created_at: a.model.created_at, imported_from: origin });
      for (const v of a.versions) {
        const here = numbers.get(v.version);
        if (here) await refreshImportedVersion(trx, here.id, v);
        else await insertImportedVersion(trx, id, deps.ids.uuid(), v);
      }
      for (const al of a.aliases) await putImportedAlias(trx, id, al);
      for (const part of deps.modelTransfers) {
        if (a.settings[part.name] !== undefined) await part.import(trx, ref, a.settings[part.name], { actor, now });
      }
      await insertImportedEvents(trx, deps.caps, ref, events);
      await append({
        actor,
        type: 'model.imported',
        model: ref,
        reason: null,
        details: { origin, exported_at: a.exported_at, exported_by: a.exported_by, producer: a.producer, from_name: a.model.name, versions_added: added, events_added: events.length, settings: Object.keys(a.settings) },
      });
      return { created: !existing, changed: true, added, events: events.length };
    },
    () => conflict(`the archive clashes with "${name}" here — a label already used by another version, or a change by another request during the import; nothing was written`, { reason: 'clash' }),
  );
  // Delivered before answering: this server's gateway serves what the model's stages say once the caller knows.
  if (result.changed) await deps.feed.poke();
  return { model: name, created: result.created, changed: result.changed, versions_added: result.added, events_added: result.events, settings: Object.keys(a.settings).sort(), origin };
}
