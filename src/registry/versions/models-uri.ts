// models:/ URIs, resolved the same way everywhere (REST, SDK, CLI, gateway bindings):
//   models:/name/<number>   that version
//   models:/name/<stage>    highest live version in the stage (case-insensitive)
//   models:/name/latest     highest live version in any stage
//   models:/name@alias      what the alias points at
//   models:/name/<label>    the version with that label
import type { Db } from '../../db/tables.js';
import { invalid, notFound } from '../../errors.js';
import { requireModel } from '../models/models-service.js';
import { findAlias, findVersion, findVersionByLabel, highestLiveVersion, liveVersionsIn } from './versions-store.js';
import { canonicalStage, isStageName } from './versions.js';

export type ModelRef =
  | { name: string; kind: 'version'; version: number }
  | { name: string; kind: 'stage'; stage: string }
  | { name: string; kind: 'latest' }
  | { name: string; kind: 'alias'; alias: string }
  | { name: string; kind: 'label'; label: string };

const MALFORMED = (uri: string) =>
  invalid(
    `not a models:/ URI: "${uri}"; use models:/name/<version>, models:/name/<stage>, models:/name/latest, models:/name/<label> or models:/name@alias`,
  );

export function parseModelsUri(uri: string): ModelRef {
  const m = /^models:(\/+)(.*)$/.exec(uri.trim());
  if (!m) throw MALFORMED(uri);
  const body = m[2];
  const parts = body.split('/');
  if (parts.length === 2) {
    const [name, suffix] = parts;
    if (!name.trim() || !suffix) throw MALFORMED(uri);
    if (/^\d+$/.test(suffix)) return { name, kind: 'version', version: Number(suffix) };
    if (suffix.toLowerCase() === 'latest') return { name, kind: 'latest' };
    if (isStageName(suffix)) return { name, kind: 'stage', stage: canonicalStage(suffix) };
    return { name, kind: 'label', label: suffix };
  }
  if (parts.length === 1 && body.includes('@')) {
    const at = body.lastIndexOf('@');
    const name = body.slice(0, at);
    const alias = body.slice(at + 1);
    if (!name.trim() || !alias) throw MALFORMED(uri);
    return { name, kind: 'alias', alias };
  }
  throw MALFORMED(uri);
}

export function describeRef(ref: ModelRef): string {
  switch (ref.kind) {
    case 'version':
      return `models:/${ref.name}/${ref.version}`;
    case 'stage':
      return `models:/${ref.name}/${ref.stage}`;
    case 'latest':
      return `models:/${ref.name}/latest`;
    case 'alias':
      return `models:/${ref.name}@${ref.alias}`;
    case 'label':
      return `models:/${ref.name}/${ref.label}`;
  }
}

/** The version number a reference points at now. */
export async function resolveRef(db: Db, ref: ModelRef): Promise<number> {
  const model = await requireModel(db, ref.name);
  const missing = () => notFound(`${describeRef(ref)} does not resolve to any version`);
  switch (ref.kind) {
    case 'version': {
      const row = await findVersion(db, model.id, ref.version);
      if (!row) throw missing();
      return row.version;
    }
    case 'stage': {
      const [top] = await liveVersionsIn(db, model.id, ref.stage);
      if (!top) throw missing();
      return top.version;
    }
    case 'latest': {
      const top = await highestLiveVersion(db, model.id);
      if (!top) throw missing();
      return top.version;
    }
    case 'alias': {
      const row = await findAlias(db, model.id, ref.alias);
      if (!row) throw missing();
      return row.version;
    }
    case 'label': {
      const row = await findVersionByLabel(db, model.id, ref.label);
      if (!row) throw missing();
      return row.version;
    }
  }
}
