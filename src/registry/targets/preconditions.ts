// What a move of a serving target was aimed at. A caller names the state it saw — the version
// holding the target (`expected_version`; rollback's `from_version`) or the target's revision
// (`If-Match`, answered as `ETag` by reads and moves) — and the move happens only if that still holds;
// otherwise 409 and nothing changes. The revision claim (targets-store.ts) then makes sure nothing
// moves the target between this check and the commit.
import type { Db } from '../../db/tables.js';
import { conflict, invalid } from '../../errors.js';
import { currentHolder } from './holders.js';
import type { TargetRevision } from './targets-store.js';

export interface Aim {
  /** The version the caller saw holding the target; null: it saw the target empty. */
  expectedVersion?: number | null;
  /** The target revision the caller saw (If-Match). */
  ifMatch?: number;
}

/** The ETag of a target at a revision: `"0"` for a target that never moved. */
export function targetEtag(revision: number | null): string {
  return `"${revision ?? 0}"`;
}

/** The revision an If-Match header names; undefined for no header or `*` (any). */
export function parseIfMatch(header: string | string[] | undefined): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!value || value === '*') return undefined;
  const m = /^(?:W\/)?"?(\d{1,15})"?$/.exec(value);
  if (!m) throw invalid(`If-Match "${value}" is not a target revision; send the ETag a read of the target answered, like "3"`);
  return Number(m[1]);
}

/** Refuses when the revision read is not the one the caller saw (If-Match). */
export function checkRevision(read: TargetRevision, aim: Aim): void {
  if (aim.ifMatch === undefined || (read.revision ?? 0) === aim.ifMatch) return;
  throw conflict(
    `${read.target} is at revision ${read.revision ?? 0}, not ${aim.ifMatch} (If-Match): it moved since you looked; nothing was changed`,
    { reason: 'concurrent_change', target: read.target, revision: read.revision ?? 0 },
  );
}

/** Refuses when the version holding the target is not the one the caller saw (expected_version). */
export async function checkHolder(db: Db, modelId: string, target: string, aim: Aim): Promise<void> {
  if (aim.expectedVersion === undefined) return;
  const holder = await currentHolder(db, modelId, target);
  if (holder === aim.expectedVersion) return;
  const saw = aim.expectedVersion === null ? 'empty' : `held by version ${aim.expectedVersion}`;
  throw conflict(
    `${target} is ${holder === null ? 'empty' : `held by version ${holder}`}, not ${saw} as expected: it moved since you looked; nothing was changed`,
    { reason: 'concurrent_change', target, holder },
  );
}
