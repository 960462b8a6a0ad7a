// Where an S3 blob store lives (s3://bucket/prefix) and the SDK client that reaches it.
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';

export interface S3Location {
  bucket: string;
  /** Key prefix without leading or trailing slashes ('' = the bucket's root). */
  prefix: string;
}

export interface S3Connection {
  /** A custom endpoint (MinIO, Ceph RGW…): path-style addressing is used with it. */
  endpoint?: string;
  region?: string;
  /** Explicit keys; absent = the SDK's default credential chain (AWS_ACCESS_KEY_ID, profiles, roles…). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** Whether an artifacts URL names an S3 bucket (anything else is a local directory). */
export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m || !m[1]) throw new Error(`not an S3 URL (s3://bucket/prefix): ${url}`);
  return { bucket: m[1], prefix: m[2].replace(/^\/+|\/+$/g, '') };
}

/** The commands that carry an artifact's bytes: what the unsigned-payload rule below applies to. */
const BODY_COMMANDS = new Set(['UploadPartCommand', 'PutObjectCommand']);

export function createS3Client(conn: S3Connection): S3Client {
  const client = new S3Client({
    ...(conn.endpoint && { endpoint: conn.endpoint, forcePathStyle: true }),
    // A custom endpoint rarely cares about the region, but the SDK refuses to sign without one.
    region: conn.region ?? (conn.endpoint ? 'us-east-1' : undefined),
    ...(conn.credentials && { credentials: conn.credentials }),
    // Only what S3 requires: S3-compatible stores (Ceph RGW Pacific, older MinIO) refuse the SDK's
    // default aws-chunked trailing checksums. Integrity is ours anyway: every byte is sha256-checked.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  // Over http (an S3-compatible store on a private network) SigV4 hashes every part's bytes to sign
  // them: a second sha256 of the whole artifact on the event loop, half the server's hashing on an
  // upload (measured, bench:storage profile). The bytes are already hashed once as they stream
  // (the content address, checked before the upload completes) and again on every read, so the
  // signature covers the request, not the payload (UNSIGNED-PAYLOAD, as S3 allows and the SDK does
  // itself for streams). What that gives up: on plain http, an attacker on the path could alter a
  // part unseen by the store; such bytes are never served (reads verify) and `blobs verify` finds them.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const req = args.request as { headers?: Record<string, string> };
      if (BODY_COMMANDS.has(context.commandName ?? '') && req.headers) req.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      return next(args);
    },
    { step: 'build', name: 'stagecraftUnsignedPayload' },
  );
  return client;
}

/** Fails with a message an operator can act on when the bucket is missing or out of reach. */
export async function ensureBucket(client: S3Client, loc: S3Location, endpoint?: string): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: loc.bucket }));
  } catch (err) {
    const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    const where = endpoint ? ` at ${endpoint}` : '';
    const why =
      status === 404 || e.name === 'NotFound' || e.name === 'NoSuchBucket'
        ? 'does not exist: create it first (Stagecraft never creates buckets)'
        : status === 403
          ? 'refused access: check the credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the SDK credential chain)'
          : `is unreachable (${e.name ?? 'error'}: ${e.message ?? String(err)})`;
    throw new Error(`artifact bucket "${loc.bucket}"${where} ${why}`, { cause: err });
  }
}

/** S3 errors that mean "no such object". */
export function isNoSuchKey(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}
