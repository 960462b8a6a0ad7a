// What must hold after any sequence of requests, however hostile: at most one Production version
// per model, every alias pointing at a live version, and the audit log replaying to the current
// stages and aliases (so nothing moved a pointer without saying so). Read through the public API.
import type { App } from '../src/http/app-types.js';

interface ModelView {
  name: string;
  aliases: Record<string, number>;
}

interface VersionView {
  version: number;
  stage: string;
  deleted: boolean;
}

interface EventView {
  id: number;
  type: string;
  model: string | null;
  version: number | null;
  target: string | null;
  from: string | null;
  to: string | null;
}

async function getJson<T>(app: App, url: string, headers: Record<string, string>): Promise<T> {
  const res = await app.inject({ method: 'GET', url, headers });
  if (res.statusCode !== 200) throw new Error(`GET ${url} answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
  return JSON.parse(res.body) as T;
}

async function allPages<T>(app: App, url: string, key: string, headers: Record<string, string>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = url.includes('?') ? '&' : '?';
    const page: Record<string, unknown> = await getJson(app, cursor ? `${url}${sep}cursor=${encodeURIComponent(cursor)}` : url, headers);
    out.push(...(page[key] as T[]));
    cursor = (page.next_cursor as string | null) ?? null;
  } while (cursor);
  return out;
}

interface Pointers {
  /** version -> stage, live versions only. */
  stages: Map<number, string>;
  aliases: Map<string, number>;
}

const emptyPointers = (): Pointers => ({ stages: new Map(), aliases: new Map() });

/** The stages and aliases of every live model, from the audit log alone. */
function replay(events: EventView[]): Map<string, Pointers> {
  const models = new Map<string, Pointers>();
  const of = (e: EventView) => {
    if (!e.model) return undefined;
    if (!models.has(e.model)) models.set(e.model, emptyPointers());
    return models.get(e.model)!;
  };
  for (const e of events) {
    const alias = e.target?.startsWith('alias:') ? e.target.slice('alias:'.length) : undefined;
    switch (e.type) {
      case 'model.created':
        models.set(e.model!, emptyPointers());
        break;
      case 'model.renamed':
        models.set(e.to!, models.get(e.from!) ?? emptyPointers());
        models.delete(e.from!);
        break;
      case 'model.deleted':
        models.delete(e.model!);
        break;
      case 'version.created':
        of(e)?.stages.set(e.version!, 'None');
        break;
      case 'version.stage_changed':
        of(e)?.stages.set(e.version!, e.to!);
        break;
      case 'version.deleted':
        of(e)?.stages.delete(e.version!);
        break;
      case 'alias.set':
        if (alias) of(e)?.aliases.set(alias, Number(e.to));
        break;
      case 'alias.deleted':
        if (alias) of(e)?.aliases.delete(alias);
        break;
    }
  }
  return models;
}

const sorted = <K, V>(m: Map<K, V>) => JSON.stringify([...m].sort((a, b) => String(a[0]).localeCompare(String(b[0]))));

export interface Violation {
  invariant: 'one Production version' | 'aliases on live versions' | 'audit log replays';
  message: string;
}

/**
 * Every invariant that does not hold, in words; empty when all hold. The guard and the canary timer
 * may move a pointer while the state is being read, so a violation counts only if it is still there
 * when read again a moment later.
 */
export async function invariantViolations(app: App, headers: Record<string, string>): Promise<Violation[]> {
  let found: Violation[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    found = await readViolations(app, headers);
    if (found.length === 0) return found;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return found;
}

async function readViolations(app: App, headers: Record<string, string>): Promise<Violation[]> {
  const problems: Violation[] = [];
  const replays = (message: string) => problems.push({ invariant: 'audit log replays', message });
  const models = await allPages<ModelView>(app, '/api/v1/models?limit=1000', 'models', headers);
  const events = await allPages<EventView>(app, '/api/v1/events?order=asc&limit=1000', 'events', headers);
  const replayed = replay(events);
  for (const model of models) {
    const path = `/api/v1/models/${encodeURIComponent(model.name)}`;
    const versions = await allPages<VersionView>(app, `${path}/versions?limit=1000`, 'versions', headers);
    const production = versions.filter((v) => v.stage === 'Production' && !v.deleted).map((v) => v.version);
    if (production.length > 1) problems.push({ invariant: 'one Production version', message: `${model.name}: ${production.length} versions in Production (${production.join(', ')})` });
    for (const [alias, version] of Object.entries(model.aliases)) {
      const res = await app.inject({ method: 'GET', url: `${path}/versions/${version}`, headers });
      const live = res.statusCode === 200 && !(JSON.parse(res.body) as VersionView).deleted;
      if (!live) problems.push({ invariant: 'aliases on live versions', message: `${model.name}: alias ${alias} points at version ${version}, which is not live (${res.statusCode})` });
    }
    const now: Pointers = {
      stages: new Map(versions.filter((v) => !v.deleted).map((v) => [v.version, v.stage])),
      aliases: new Map(Object.entries(model.aliases)),
    };
    const log = replayed.get(model.name);
    if (!log) replays(`${model.name}: live, but the audit log does not create it (or deleted/renamed it)`);
    else {
      if (sorted(log.stages) !== sorted(now.stages)) replays(`${model.name}: stages are ${sorted(now.stages)}, the audit log replays to ${sorted(log.stages)}`);
      if (sorted(log.aliases) !== sorted(now.aliases)) replays(`${model.name}: aliases are ${sorted(now.aliases)}, the audit log replays to ${sorted(log.aliases)}`);
    }
    replayed.delete(model.name);
  }
  for (const name of replayed.keys()) replays(`${name}: the audit log replays to a live model that does not exist`);
  return problems;
}
