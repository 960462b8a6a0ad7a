// How a standalone gateway reads the registry's answers through the SDK. A refusal becomes the
// gateway's own AppError, so a caller asking the replica for a version the registry does not have
// gets a 404 from the replica too (not a 503); no answer at all stays StagecraftUnreachableError,
// which the remote source answers from its disk cache.
import { StagecraftApiError, type ManifestFile, type StagecraftClient } from '../../../../sdk/client.js';
import { AppError } from '../../../errors.js';
import { IntegrityError } from '../source.js';
import { readVerified } from '../verified-bytes.js';
import { writeVerified } from '../verified-file.js';

/** Downloads of a large model may take long; a registry silent for this long is not coming back. */
const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;

export async function fromRegistry<T>(path: string, pending: Promise<T>): Promise<T> {
  try {
    return await pending;
  } catch (err) {
    if (!(err instanceof StagecraftApiError)) throw err;
    const code = err.status === 404 ? 'not_found' : err.status === 400 ? 'invalid_argument' : 'unavailable';
    throw new AppError(code, `registry answered ${err.status} for ${path}: ${err.message}`);
  }
}

/** A version's file, hashed while it streams; bytes that are not the manifest's are an IntegrityError. */
export async function downloadVerified(client: StagecraftClient, model: string, version: number, file: ManifestFile): Promise<Buffer> {
  let bytes: Buffer | null = null;
  await download(client, model, version, file, async (body, what) => {
    bytes = await readVerified(body, file.sha256, what);
  });
  return bytes!;
}

/** The same, streamed to `target` (written only once verified): a large file is never held in memory. */
export async function downloadVerifiedTo(client: StagecraftClient, model: string, version: number, file: ManifestFile, target: string): Promise<void> {
  await download(client, model, version, file, (body, what) => writeVerified(body, file.sha256, what, target));
}

async function download(client: StagecraftClient, model: string, version: number, file: ManifestFile, consume: (body: AsyncIterable<Uint8Array>, what: string) => Promise<void>): Promise<void> {
  const what = `/api/v1/models/${encodeURIComponent(model)}/versions/${version}/files/${file.path}`;
  let res: Response;
  try {
    res = await client.versions.file(model, version, file.path, AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS));
  } catch (err) {
    if (err instanceof StagecraftApiError) throw new AppError('unavailable', `registry answered ${err.status} for ${what}`);
    throw err;
  }
  if (!res.body) throw new AppError('unavailable', `registry answered ${res.status} without a body for ${what}`);
  try {
    await consume(res.body as unknown as AsyncIterable<Uint8Array>, file.path);
  } catch (err) {
    if (err instanceof IntegrityError) throw err;
    throw new Error(`download of ${what} was cut off: ${(err as Error).message}`, { cause: err });
  }
}
