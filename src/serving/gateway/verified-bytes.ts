// Reads a stream into memory while hashing it chunk by chunk, so verifying a large model never
// blocks the event loop in one long hash (other models keep answering while it loads).
import { createHash } from 'node:crypto';
import { AppError } from '../../errors.js';
import { IntegrityError } from './source.js';

export async function readVerified(chunks: AsyncIterable<Uint8Array>, expected: string, what: string): Promise<Buffer> {
  const hash = createHash('sha256');
  const parts: Buffer[] = [];
  try {
    for await (const chunk of chunks) {
      hash.update(chunk);
      parts.push(Buffer.from(chunk));
    }
  } catch (err) {
    // A blob store that verifies as it streams fails the stream itself on a mismatch.
    const details = (err as AppError).details;
    if (err instanceof AppError && details && 'actual' in details) throw new IntegrityError(err.message);
    throw err;
  }
  const actual = hash.digest('hex');
  if (actual !== expected) throw new IntegrityError(`${what} hashes to ${actual}, not ${expected} as the manifest says`);
  return Buffer.concat(parts);
}
