// stat() of many blobs at once, a bounded number in flight: on an object store each stat is a
// request (milliseconds each on RGW), and a version may list thousands of files. One helper for both
// passes over a new version's files: the check before it is built (versions-service) and the
// re-check under gc's lock as it commits (registry/blob-guard.ts). Neither needs modifiedAt, so it
// asks with head() where the store has it (S3: a HEAD, not a bucket listing).
import type { BlobStore, StoredBlob } from './blob-store.js';

/** Requests in flight: enough to hide an object store's latency, few enough not to flood it. */
export const STAT_PARALLEL = 16;

/** Each distinct digest: stored (size; modifiedAt only from stores without head()) or null. */
export async function statMany(blobs: Pick<BlobStore, 'stat' | 'head'>, sha256s: Iterable<string>, parallel = STAT_PARALLEL): Promise<Map<string, StoredBlob | null>> {
  const todo = [...new Set(sha256s)];
  const out = new Map<string, StoredBlob | null>();
  const ask = blobs.head ? blobs.head.bind(blobs) : blobs.stat.bind(blobs);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < todo.length; i = next++) out.set(todo[i], await ask(todo[i]));
  };
  await Promise.all(Array.from({ length: Math.min(parallel, todo.length) }, worker));
  return out;
}
