// Writes a planned GTO import as a model archive file: the JSON first, then each blob streamed out
// of git (`git cat-file blob`) — the server hashes every one again on import and refuses a mismatch.
// Also reads the JSON back out of an export stream for `gto export`, without its blobs.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { blobEntry, MODEL_ENTRY, parseModelArchive, type ModelArchive } from '../registry/index.js';
import type { GtoPlan } from './gto-import.js';

export async function writeGtoArchive(repo: string, plan: GtoPlan, file: string): Promise<void> {
  const pack = tar.pack();
  const written = pipeline(pack, fs.createWriteStream(file));
  pack.entry({ name: MODEL_ENTRY }, JSON.stringify(plan.archive, null, 1));
  for (const [sha256, blob] of plan.blobs) {
    const entry = pack.entry({ name: blobEntry(sha256), size: blob.size });
    const child = spawn('git', ['-C', repo, 'cat-file', 'blob', blob.object], { stdio: ['ignore', 'pipe', 'inherit'] });
    await pipeline(child.stdout, entry);
  }
  pack.finalize();
  await written;
}

/** The archive's JSON from the head of an export stream; the rest (the blobs) is not read. */
export async function archiveHead(body: Readable): Promise<ModelArchive> {
  const extract = tar.extract();
  body.pipe(extract);
  for await (const entry of extract) {
    if (entry.header.name !== MODEL_ENTRY) throw new Error(`not a model archive: first entry "${entry.header.name}"`);
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    body.destroy();
    extract.destroy();
    return parseModelArchive(Buffer.concat(chunks).toString('utf8'));
  }
  throw new Error('empty archive');
}
