// Which blob store an artifacts URL names: s3://bucket/prefix, a directory (or file://…), or none =
// the data directory's blobs/. An S3 bucket is checked at startup: missing or refused is a clear
// ConfigError, not a failure on the first upload. The S3 modules (and the AWS SDK, ~0.15 s of CPU
// to load) are imported only for an s3:// URL, so a server on disk starts without them.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../config.js';
import type { BlobStore } from './blob-store.js';
import { FsBlobStore } from './fs-blob-store.js';

export interface BlobStoreSettings {
  artifactsUrl: string | null;
  s3Endpoint: string | null;
  s3Region: string | null;
  /** Where the disk store goes when artifactsUrl is null. */
  defaultDir: string;
  maxUploadMs: number;
}

// Here rather than in s3-client.ts: importing that module loads the AWS SDK.
function isS3Url(url: string | null): boolean {
  return !!url && url.startsWith('s3://');
}

export async function openBlobStore(s: BlobStoreSettings): Promise<BlobStore> {
  if (!isS3Url(s.artifactsUrl)) {
    const dir = !s.artifactsUrl ? s.defaultDir : s.artifactsUrl.startsWith('file://') ? fileURLToPath(s.artifactsUrl) : s.artifactsUrl;
    if (s.artifactsUrl && /^[a-z][a-z0-9+.-]*:\/\//i.test(s.artifactsUrl) && !s.artifactsUrl.startsWith('file://')) {
      throw new ConfigError(`--artifacts-url must be s3://bucket/prefix, file://… or a directory, got "${s.artifactsUrl}"`);
    }
    return new FsBlobStore(path.resolve(dir), { maxUploadMs: s.maxUploadMs });
  }
  const { createS3Client, ensureBucket, parseS3Url } = await import('./s3-client.js');
  const { S3BlobStore } = await import('./s3-blob-store.js');
  let loc;
  try {
    loc = parseS3Url(s.artifactsUrl!);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const client = createS3Client({ endpoint: s.s3Endpoint ?? undefined, region: s.s3Region ?? undefined });
  try {
    await ensureBucket(client, loc, s.s3Endpoint ?? undefined);
  } catch (err) {
    client.destroy();
    throw new ConfigError((err as Error).message);
  }
  return new S3BlobStore(client, loc, { maxUploadMs: s.maxUploadMs });
}
