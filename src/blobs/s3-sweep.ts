// What uploads cut short leave in a bucket: temp objects (a crash between upload and commit) and
// open multipart uploads (a crash mid-upload; invisible in listings, but their parts take space).
// Both go by the same rules as the disk store's temp files (temp-files.ts abandoned()).
import { AbortMultipartUploadCommand, DeleteObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { SweepResult } from './blob-store.js';
import { abandoned } from './temp-files.js';

export async function sweepS3Temp(
  client: S3Client,
  bucket: string,
  prefixes: { tmp: string; blobs: string },
  active: { names: ReadonlySet<string>; keys: ReadonlySet<string> },
  olderThanMs: number,
  now = Date.now(),
): Promise<SweepResult> {
  const tmpPrefix = prefixes.tmp;
  const result: SweepResult = { removed: 0, bytes: 0 };
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: tmpPrefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      const name = o.Key!.slice(tmpPrefix.length);
      if (!abandoned(name, active.names, now - (o.LastModified?.getTime() ?? now), olderThanMs)) continue;
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key }));
      result.removed += 1;
      result.bytes += o.Size ?? 0;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);

  result.removed += await abortStale(client, bucket, tmpPrefix, (key, age) => abandoned(key.slice(tmpPrefix.length), active.names, age, olderThanMs), now);
  // Uploads straight to an address (a put with a known digest) name no writer: only age tells.
  result.removed += await abortStale(client, bucket, prefixes.blobs, (key, age) => !active.keys.has(key) && age >= olderThanMs, now);
  return result;
}

/** Aborts the open multipart uploads under `prefix` that `stale(key, ageMs)` condemns; how many. */
async function abortStale(client: S3Client, bucket: string, prefix: string, stale: (key: string, ageMs: number) => boolean, now: number): Promise<number> {
  let removed = 0;
  let keyMarker: string | undefined;
  let idMarker: string | undefined;
  do {
    const page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: idMarker }));
    for (const u of page.Uploads ?? []) {
      if (!stale(u.Key!, now - (u.Initiated?.getTime() ?? now))) continue;
      // Already completed or aborted by its writer in the meantime: nothing to do.
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId })).catch(() => undefined);
      removed += 1;
    }
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    idMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
  } while (keyMarker);
  return removed;
}
