// Upload temp files: named after the host and process writing them, so a sweep can tell debris
// (the writer crashed) from an upload in progress, even when several servers share a data directory.
//
// A temp file goes when nobody can finish it:
// - this process wrote it and no put of this process is writing it (a leftover, or a file of an
//   earlier process that had the same pid, as a restarted container's server often does);
// - another process on this host wrote it and that process is gone (kill -9, power loss);
// - it is older than the longest allowed upload, whoever wrote it (another host's crash).
import { createHash, randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SweepResult } from './blob-store.js';

/** Eight hex digits of the host name: enough to tell the hosts sharing a directory apart. */
export const HOST_TAG = createHash('sha256').update(os.hostname()).digest('hex').slice(0, 8);

const TEMP_RE = /^([0-9a-f]{8})\.(\d+)\.(\d+)\.([0-9a-f]+)\.part$/;

export function tempName(pid = process.pid, host = HOST_TAG, at = Date.now()): string {
  return `${host}.${pid}.${at}.${randomBytes(6).toString('hex')}.part`;
}

function writerOf(name: string): { host: string; pid: number } | null {
  const m = TEMP_RE.exec(name);
  return m ? { host: m[1], pid: Number(m[2]) } : null;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it is just not ours to signal.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether nobody can finish the upload behind temp `name`, `ageMs` old: the rules above. The disk
 * store's temp files and the S3 store's temp keys and multipart uploads share them.
 */
export function abandoned(name: string, active: ReadonlySet<string>, ageMs: number, olderThanMs: number): boolean {
  if (active.has(name)) return false;
  const writer = writerOf(name);
  const local = writer?.host === HOST_TAG;
  const orphaned = local && (writer.pid === process.pid || !processAlive(writer.pid));
  return orphaned || ageMs >= olderThanMs;
}

/** Removes the temp files in `dir` nobody can finish; `active` holds this process's uploads in progress. */
export async function sweepTempDir(dir: string, active: ReadonlySet<string>, olderThanMs: number, now = Date.now()): Promise<SweepResult> {
  const result: SweepResult = { removed: 0, bytes: 0 };
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return result;
  }
  for (const name of names) {
    if (active.has(name)) continue;
    const file = path.join(dir, name);
    const st = await fsp.lstat(file).catch(() => null);
    if (!st?.isFile()) continue;
    if (!abandoned(name, active, now - st.mtimeMs, olderThanMs)) continue;
    // Gone already (another server swept it): not an error.
    await fsp.rm(file, { force: true });
    result.removed += 1;
    result.bytes += st.size;
  }
  return result;
}
