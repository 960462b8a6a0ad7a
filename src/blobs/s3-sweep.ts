// What uploads cut short leave in a bucket: temp objects (a crash between upload and commit) and
// open multipart uploads (a crash mid-upload; invisible in listings, but their parts take space).
// Both go by the same rules as the disk store's temp files (temp-files.ts abandoned()).
import { AbortMultipartUploadCommand, DeleteObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { SweepResult } from './blob-store.js';
import { abandoned } from './temp-files.js';

export async function sweepS3Temp(
  client: S3Client,
  bucket: string,
  tmpPrefix: string,
  active: ReadonlySet<string>,
  olderThanMs: number,
  now = Date.now(),
): Promise<SweepResult> {
  const result: SweepResult = { removed: 0, bytes: 0 };
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: tmpPrefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      const name = o.Key!.slice(tmpPrefix.length);
      if (!abandoned(name, active, now - (o.LastModified?.getTime() ?? now), olderThanMs)) continue;
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key }));
      result.removed += 1;
      result.bytes += o.Size ?? 0;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);

  let keyMarker: string | undefined;
  let idMarker: string | undefined;
  do {
    const page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: tmpPrefix, KeyMarker: keyMarker, UploadIdMarker: idMarker }));
    for (const u of page.Uploads ?? []) {
      const name = u.Key!.slice(tmpPrefix.length);
      if (!abandoned(name, active, now - (u.Initiated?.getTime() ?? now), olderThanMs)) continue;
      // Already completed or aborted by its writer in the meantime: nothing to do.
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId })).catch(() => undefined);
      result.removed += 1;
    }
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    idMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
  } while (keyMarker);
  return result;
}
