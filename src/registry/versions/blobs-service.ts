// The health of stored bytes. An upload whose verified bytes match a corrupted or vanished stored
// copy replaces it (blob.repaired); a check of every stored blob reports the bad ones with the
// versions they affect (blob.corrupted) and marks those versions failed, so the last-known-good rule
// never offers them as a rollback destination and every view shows why. Once every blob of such a
// version is intact again its health goes back to what it was before, audited like any change.
import type { Readable } from 'node:stream';
import type { Transaction } from 'kysely';
import type { BlobCheck, PutOptions, PutResult } from '../../blobs/blob-store.js';
import type { Database } from '../../db/tables.js';
import { confirmStored } from '../blob-guard.js';
import { blobUses, filesOfVersions, type BlobUse } from '../blob-usage.js';
import type { Deps } from '../deps.js';
import { commit, modelEvents, type Append } from '../events/events-service.js';
import { findVersionRow, writeHealth } from './pointers-service.js';
import { HEALTHS, type Health } from './versions.js';

/** How health_reason starts on a version marked failed for bad bytes: a repair restores only these. */
export const BAD_BYTES = 'bytes corrupt';
const CAUSE = 'blob_corrupt';

const isBadBytes = (u: Pick<BlobUse, 'health' | 'health_reason'>) => u.health === 'failed' && !!u.health_reason?.startsWith(BAD_BYTES);

export interface BlobUseView {
  model: string;
  version: number;
  path: string;
  stage: string;
  /** Its health when the check began. */
  health: string;
}

export interface BadBlob {
  sha256: string;
  state: 'corrupt' | 'missing';
  /** What the stored copy weighs now (null when missing). */
  size: number | null;
  /** What the intact bytes weigh, from a manifest holding them (null when no version does). */
  expected_size: number | null;
  versions: BlobUseView[];
}

export interface BlobsReport {
  checked: number;
  ok: number;
  bad: BadBlob[];
  /** Versions this check marked failed because a blob of theirs is bad. */
  marked: Array<{ model: string; version: number }>;
  /** Versions marked for bad bytes earlier whose blobs are all intact again. */
  restored: Array<{ model: string; version: number }>;
}

const view = (u: BlobUse): BlobUseView => ({ model: u.model, version: u.version, path: u.path, stage: u.stage, health: u.health });

/** Stores uploaded bytes; when they heal a bad stored copy, audits the repair and restores the versions it makes whole. */
export async function storeBlob(deps: Deps, actor: string, source: Readable | Buffer, opts: PutOptions = {}): Promise<PutResult> {
  const stored = await deps.blobs.put(source, opts);
  if (!stored.created) {
    await confirmStored(deps, stored.sha256);
    return stored;
  }
  const uses = await blobUses(deps.db, [stored.sha256]);
  const marked = uses.filter(isBadBytes);
  if (!stored.repaired && marked.length === 0) return stored;
  const whole = await wholeVersions(deps, marked, new Map([[stored.sha256, { sha256: stored.sha256, state: 'ok' }]]));
  await commit(deps, async (trx, append) => {
    await append({
      actor,
      type: 'blob.repaired',
      reason: 'verified bytes uploaded again',
      details: { sha256: stored.sha256, was: stored.repaired ? 'corrupt' : 'missing', versions: uses.map(view) },
    });
    await restore(deps, trx, append, actor, whole, `blob ${stored.sha256} uploaded again`);
  });
  return stored;
}

/** Checks every stored blob (or only `only`), marks the versions bad bytes affect, restores those made whole. */
export async function verifyBlobs(deps: Deps, actor: string, only?: readonly string[]): Promise<BlobsReport> {
  const uses = await blobUses(deps.db, only);
  const digests = new Set(only ?? []);
  if (!only) {
    for await (const b of deps.blobs.list()) digests.add(b.sha256);
    for (const u of uses) digests.add(u.sha256);
  }
  const checks = new Map<string, BlobCheck>();
  for (const sha256 of [...digests].sort()) checks.set(sha256, await deps.blobs.check(sha256));

  const bad: BadBlob[] = [];
  for (const c of checks.values()) {
    if (c.state === 'ok') continue;
    const affected = uses.filter((u) => u.sha256 === c.sha256);
    bad.push({ sha256: c.sha256, state: c.state, size: c.size ?? null, expected_size: affected[0]?.size ?? null, versions: affected.map(view) });
  }
  const badSet = new Set(bad.map((b) => b.sha256));
  const toMark = unique(uses.filter((u) => badSet.has(u.sha256) && u.health !== 'failed'));
  const report: BlobsReport = { checked: checks.size, ok: checks.size - bad.length, bad, marked: [], restored: [] };
  const whole = await wholeVersions(deps, uses.filter(isBadBytes), new Map(checks));
  if (bad.length === 0 && whole.length === 0) return report;

  await commit(deps, async (trx, append) => {
    for (const b of bad) {
      await append({ actor, type: 'blob.corrupted', reason: `blob ${b.state}`, details: { sha256: b.sha256, state: b.state, size: b.size, versions: b.versions } });
    }
    for (const u of toMark) {
      const row = await findVersionRow(trx, u.model_id, u.version);
      if (!row || row.health === 'failed') continue;
      const check = checks.get(u.sha256)!;
      const reason = `${BAD_BYTES}: "${u.path}" (blob ${u.sha256.slice(0, 12)}… is ${check.state}); upload the bytes again or run stagecraft blobs verify --repair-from`;
      await writeHealth(trx, row.id, 'failed', reason, deps.clock.now());
      await append({
        actor,
        type: 'version.health_changed',
        model: { id: u.model_id, name: u.model },
        version: u.version,
        from: row.health,
        to: 'failed',
        reason,
        details: { cause: CAUSE, sha256: u.sha256, path: u.path, previous_health: row.health },
      });
      report.marked.push({ model: u.model, version: u.version });
    }
    report.restored = await restore(deps, trx, append, actor, whole, 'every blob verified intact');
  });
  return report;
}

/** One use per version. */
function unique(uses: BlobUse[]): BlobUse[] {
  const seen = new Map<string, BlobUse>();
  for (const u of uses) if (!seen.has(u.version_id)) seen.set(u.version_id, u);
  return [...seen.values()];
}

/** The versions among `uses` whose every blob is intact (checking those `known` does not answer). */
async function wholeVersions(deps: Deps, uses: BlobUse[], known: Map<string, BlobCheck>): Promise<BlobUse[]> {
  const versions = unique(uses);
  const files = await filesOfVersions(deps.db, versions.map((u) => u.version_id));
  const whole: BlobUse[] = [];
  for (const u of versions) {
    let intact = true;
    for (const f of files.filter((x) => x.version_id === u.version_id)) {
      if (!known.has(f.sha256)) known.set(f.sha256, await deps.blobs.check(f.sha256));
      if (known.get(f.sha256)!.state !== 'ok') intact = false;
    }
    if (intact) whole.push(u);
  }
  return whole;
}

/** Gives versions marked for bad bytes back the health they had before, inside the caller's transaction. */
async function restore(deps: Deps, trx: Transaction<Database>, append: Append, actor: string, uses: BlobUse[], why: string) {
  const restored: Array<{ model: string; version: number }> = [];
  for (const u of uses) {
    const row = await findVersionRow(trx, u.model_id, u.version);
    // Re-read in the transaction: someone may have changed its health meanwhile, for another reason.
    if (!row || !isBadBytes(row)) continue;
    const health = await healthBefore(trx, u.model_id, u.version);
    await writeHealth(trx, row.id, health, null, deps.clock.now());
    await append({
      actor,
      type: 'version.health_changed',
      model: { id: u.model_id, name: u.model },
      version: u.version,
      from: 'failed',
      to: health,
      reason: `bytes repaired: ${why}`,
      details: { cause: 'blob_repaired' },
    });
    restored.push({ model: u.model, version: u.version });
  }
  return restored;
}

/** The health a version had before the latest check marked it failed for bad bytes. */
async function healthBefore(db: Transaction<Database>, modelId: string, version: number): Promise<Health> {
  const events = await modelEvents(db, modelId, ['version.health_changed']);
  const marking = events.reverse().find((e) => e.version === version && e.details.cause === CAUSE);
  const before = marking?.details.previous_health;
  return (HEALTHS as readonly unknown[]).includes(before) ? (before as Health) : 'unknown';
}
