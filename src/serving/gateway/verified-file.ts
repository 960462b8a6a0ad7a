// Writes a stream to a file while hashing it, so a large file of a Python model's directory goes
// from the blob store (or the registry, or the replica's cache) to disk without being held in memory.
// The file appears under its name only once its bytes hash to the manifest's sha256: a mismatch or a
// cut-off stream leaves nothing behind (the partial file is removed).
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../errors.js';
import { IntegrityError } from './source.js';

export async function writeVerified(chunks: AsyncIterable<Uint8Array>, expected: string, what: string, target: string): Promise<void> {
  const hash = createHash('sha256');
  // Unique per write: two loads (or replicas sharing a cache) may write the same target at once.
  const part = `${target}.${randomUUID()}.part`;
  try {
    await pipeline(
      chunks,
      async function* hashing(source: AsyncIterable<Uint8Array>) {
        for await (const chunk of source) {
          hash.update(chunk);
          yield chunk;
        }
      },
      createWriteStream(part),
    );
    const actual = hash.digest('hex');
    if (actual !== expected) throw new IntegrityError(`${what} hashes to ${actual}, not ${expected} as the manifest says`);
    await fs.rename(part, target);
  } catch (err) {
    await fs.rm(part, { force: true }).catch(() => {});
    // A blob store that verifies as it streams fails the stream itself on a mismatch.
    const details = (err as AppError).details;
    if (err instanceof AppError && details && 'actual' in details) throw new IntegrityError(err.message);
    throw err;
  }
}
