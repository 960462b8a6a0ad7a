// Which version a rollback of Production will go to, computed the way the server does
// (src/registry/targets/rollback.ts): previous holders from the history, most recent first, skipping
// the current one and any failed, deleted or unready version; a version marked stable wins over one
// of unknown health. The server decides; the dialog shows this so people see it before confirming,
// and sends from_version so a target that moved meanwhile is refused rather than rolled twice.
import type { HistoryEntry, Version } from '../types';

export interface Candidate {
  version: number;
  skipped: string | null;
}

export interface RollbackPlan {
  to: number | null;
  considered: Candidate[];
}

function skipReason(v: Version | undefined): string | null {
  if (!v || v.deleted) return 'deleted';
  if (v.status !== 'READY') return `status ${v.status}`;
  if (v.health === 'failed') return `marked failed${v.health_reason ? `: ${v.health_reason}` : ''}`;
  return null;
}

export function planRollback(current: number, entries: HistoryEntry[], versions: Map<number, Version>): RollbackPlan {
  const seen: number[] = [];
  for (const e of entries) if (e.version !== null && !seen.includes(e.version)) seen.push(e.version);
  const considered: Candidate[] = [];
  const ok: Version[] = [];
  for (const n of seen) {
    if (n === current) continue;
    const v = versions.get(n);
    const skipped = skipReason(v);
    considered.push({ version: n, skipped });
    if (!skipped && v) ok.push(v);
  }
  const pick = ok.find((v) => v.health === 'stable') ?? ok[0];
  return { to: pick?.version ?? null, considered };
}
