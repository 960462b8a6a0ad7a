// What the API shows of a model (ModelView), shaped in one place for the batched read of a page
// (read-models.ts modelViews) and the one-query read of one model (model-view-read.ts).
import type { ModelRow } from './models/models.js';
import { isoTime } from './iso-time.js';

export interface ModelView {
  name: string;
  description: string;
  created_at: string;
  updated_at: string;
  created_by: string;
  /** Deleting or renaming it while it serves is refused (an admin sets and clears this). */
  protected: boolean;
  tags: Record<string, string>;
  latest_version: number | null;
  /** Highest version in each serving stage (what models:/name/<stage> resolves to). */
  stages: { Production: number | null; Staging: number | null };
  aliases: Record<string, number>;
  production: { version: number; health: string; health_reason: string | null } | null;
  last_event: { id: number; type: string; time: string; actor: string; reason: string | null } | null;
}

/** What a model's view shows beside the model's own row. */
interface ModelFacts {
  tags: Record<string, string>;
  aliases: Record<string, number>;
  latest: number | null;
  staging: number | null;
  /** The highest version in Production, with its health. */
  production: ModelView['production'];
  lastEvent: { id: number | string; type: string; time: number | string; actor: string; reason: string | null } | null;
}

/** A model's view from its row and the facts read beside it. */
export function modelView(m: ModelRow, f: ModelFacts): ModelView {
  const ev = f.lastEvent;
  return {
    name: m.name,
    description: m.description,
    created_at: isoTime(m.created_at),
    updated_at: isoTime(m.updated_at),
    created_by: m.created_by,
    protected: Number(m.protected) === 1,
    tags: f.tags,
    latest_version: f.latest,
    stages: { Production: f.production?.version ?? null, Staging: f.staging },
    aliases: f.aliases,
    production: f.production,
    last_event: ev ? { id: Number(ev.id), type: ev.type, time: isoTime(Number(ev.time)), actor: ev.actor, reason: ev.reason } : null,
  };
}
