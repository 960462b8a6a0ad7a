// Server-side copies inside one bucket: how an upload's temp object becomes its content address, and
// how a re-put refreshes an object's LastModified (a copy onto itself). Bytes never pass through us.
// One CopyObject takes at most 5 GiB; larger objects are copied in parts (UploadPartCopy).
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

const SINGLE_COPY_MAX = 5 * 1024 ** 3;
const COPY_PART = 1024 ** 3;

/** S3 wants the source as "bucket/key" with the key URL-encoded (slashes kept). */
function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

export async function copyObject(client: S3Client, bucket: string, from: string, to: string, size: number): Promise<void> {
  if (size <= SINGLE_COPY_MAX) {
    // REPLACE: a copy onto itself is refused unless something changes; new metadata is that change,
    // and it gives the object a fresh LastModified.
    await client.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: to,
        CopySource: copySource(bucket, from),
        MetadataDirective: 'REPLACE',
        Metadata: { 'stagecraft-written': String(Date.now()) },
        ContentType: 'application/octet-stream',
      }),
    );
    return;
  }
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: to, ContentType: 'application/octet-stream' }));
  try {
    const parts = [];
    for (let start = 0, n = 1; start < size; start += COPY_PART, n += 1) {
      const end = Math.min(start + COPY_PART, size) - 1;
      const res = await client.send(
        new UploadPartCopyCommand({ Bucket: bucket, Key: to, UploadId, PartNumber: n, CopySource: copySource(bucket, from), CopySourceRange: `bytes=${start}-${end}` }),
      );
      parts.push({ PartNumber: n, ETag: res.CopyPartResult?.ETag });
    }
    await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: to, UploadId, MultipartUpload: { Parts: parts } }));
  } catch (err) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: to, UploadId })).catch(() => undefined);
    throw err;
  }
}
