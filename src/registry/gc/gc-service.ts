// Garbage collection of the blob store: mark and sweep, with a grace period.
//
// 1. List every stored blob, with when it was last written (a re-put refreshes that).
// 2. Mark: ask every owner (the kernel's versions, each extension's tables: Deps.blobReferences)
//    what it references. Listing comes first, so anything stored before the mark began and
//    referenced when it ran is kept.
// 3. Sweep the unmarked blobs older than the grace, a batch at a time, each batch inside gc's lock
//    (blob-guard.ts): re-ask the owners about exactly these blobs and re-read each one's modifiedAt
//    right before deleting it. A version committed meanwhile is seen by the re-check; one that
//    commits after re-checks its bytes under the same lock and refuses cleanly; an upload that
//    finished but whose version is not committed yet is protected by the grace (its put refreshed
//    modifiedAt). So no version, live or deleted-but-not-purged, ever loses a blob.
import type { StoredBlob } from '../../blobs/blob-store.js';
import { lockForSweep } from '../blob-guard.js';
import type { BlobReferences, Deps } from '../deps.js';
import { commit } from '../events/events-service.js';
import { versionFileReferences } from '../versions/version-references.js';

export interface GcOptions {
  graceMs: number;
  dryRun: boolean;
}

export interface GcReport {
  dry_run: boolean;
  grace_ms: number;
  /** Blobs listed in the store, and what they weigh. */
  scanned: number;
  scanned_bytes: number;
  /** Kept: some owner references them. */
  referenced: number;
  /** Kept: unreferenced, but written within the grace (an upload whose version may be on its way). */
  in_grace: number;
  /** Removed (in a dry run: would be removed), and the bytes that frees. */
  removed: number;
  bytes_freed: number;
  /** Distinct blobs each owner references. */
  owners: Array<{ owner: string; blobs: number }>;
  duration_ms: number;
}

/** Deletes in a batch share one lock hold: short enough that writers barely wait. */
const BATCH = 256;
/** Store calls in flight within a batch (an object store answers each in milliseconds). */
const PARALLEL = 16;

export async function collectGarbage(deps: Deps, actor: string, opts: GcOptions): Promise<GcReport> {
  const started = Date.now();
  // The store stamps modifiedAt with the wall clock (a disk's, an object store's), so the cutoff is
  // wall-clock too, not deps.clock.
  const cutoff = started - opts.graceMs;
  const owners: BlobReferences[] = [versionFileReferences, ...deps.blobReferences];
  const report: GcReport = {
    dry_run: opts.dryRun, grace_ms: opts.graceMs, scanned: 0, scanned_bytes: 0, referenced: 0, in_grace: 0, removed: 0, bytes_freed: 0, owners: [], duration_ms: 0,
  };

  const listed: StoredBlob[] = [];
  for await (const b of deps.blobs.list()) listed.push(b);
  report.scanned = listed.length;
  report.scanned_bytes = listed.reduce((s, b) => s + b.size, 0);

  const marked = new Set<string>();
  for (const o of owners) {
    const mine = new Set(await o.all(deps.db));
    report.owners.push({ owner: o.owner, blobs: mine.size });
    for (const sha of mine) marked.add(sha);
  }

  const candidates: StoredBlob[] = [];
  for (const b of listed) {
    if (marked.has(b.sha256)) report.referenced++;
    // A store that cannot say when a blob was written gets the benefit of the doubt.
    else if (b.modifiedAt === undefined || b.modifiedAt > cutoff) report.in_grace++;
    else candidates.push(b);
  }

  for (let i = 0; i < candidates.length; i += BATCH) {
    const batch = candidates.slice(i, i + BATCH);
    if (opts.dryRun) {
      for (const b of batch) removed(report, b.size);
      continue;
    }
    await deps.db.transaction().execute(async (trx) => {
      await lockForSweep(trx, deps);
      const shas = batch.map((b) => b.sha256);
      const held = new Set<string>();
      for (const o of owners) for (const sha of await o.among(trx, shas)) held.add(sha);
      await inParallel(batch, async (b) => {
        if (held.has(b.sha256)) return void report.referenced++;
        const now = await deps.blobs.stat(b.sha256);
        if (!now) return; // someone else's gc got there first
        if (now.modifiedAt === undefined || now.modifiedAt > cutoff) return void report.in_grace++;
        if (await deps.blobs.delete(b.sha256)) removed(report, now.size);
      });
    });
  }

  report.duration_ms = Date.now() - started;
  if (!opts.dryRun) {
    await commit(deps, (_trx, append) =>
      append({ actor, type: 'blobs.collected', reason: `grace ${opts.graceMs} ms`, details: { ...report } }).then(() => undefined),
    );
  }
  return report;
}

function removed(report: GcReport, size: number): void {
  report.removed++;
  report.bytes_freed += size;
}

async function inParallel<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
}
