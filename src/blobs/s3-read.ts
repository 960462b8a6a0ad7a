// Reading S3 objects as Node streams. open() must hand back a stream at once (the seam is
// synchronous there), so the GET starts behind a pass-through that carries its bytes or its error.
import { PassThrough, type Readable, type Transform } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { notFound } from '../errors.js';
import type { ByteRange } from './blob-store.js';
import { isNoSuchKey } from './s3-client.js';

/** The object's body; a missing object is AppError not_found. */
export async function getBody(client: S3Client, bucket: string, key: string, what: string, range?: ByteRange): Promise<Readable> {
  try {
    const res = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: key, ...(range && { Range: `bytes=${range.start}-${range.end ?? ''}` }) }),
    );
    return res.Body as Readable;
  } catch (err) {
    if (isNoSuchKey(err)) throw notFound(`${what} not found`);
    throw err;
  }
}

/** A stream of the object's bytes, piped through `through` (e.g. a verifier) when given. */
export function streamObject(client: S3Client, bucket: string, key: string, what: string, through: Transform = new PassThrough(), range?: ByteRange): Readable {
  let body: Readable | null = null;
  // A reader that gives up early must not keep the connection to the store busy.
  through.once('close', () => body?.destroy());
  getBody(client, bucket, key, what, range).then(
    (b) => {
      body = b;
      if (through.destroyed) return void b.destroy();
      b.once('error', (err) => through.destroy(err));
      b.pipe(through);
    },
    (err: Error) => through.destroy(err),
  );
  return through;
}
