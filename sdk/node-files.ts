// Local-file helpers for node.ts: walking an artifact directory, hashing, and path safety.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Bad local input (a symlink, an empty directory, an unsafe path from a manifest…). */
export class StagecraftLocalError extends Error {
  override readonly name = 'StagecraftLocalError';
}

export interface LocalFile {
  /** '/'-separated path inside the version. */
  rel: string;
  abs: string;
  size: number;
}

/** Walk limits: a version is a model, not a file system. */
const MAX_FILES = 100_000;
const MAX_DEPTH = 64;

/** The files of PATH: one file, or every file under a directory. Links are refused, not followed. */
export async function collectFiles(root: string): Promise<LocalFile[]> {
  const stat = await lstatOrExplain(root);
  if (stat.isSymbolicLink()) throw new StagecraftLocalError(`${root} is a symbolic link; pass the real file or directory`);
  if (stat.isFile()) return [{ rel: path.basename(root), abs: path.resolve(root), size: stat.size }];
  if (!stat.isDirectory()) throw new StagecraftLocalError(`${root} is neither a file nor a directory`);
  const out: LocalFile[] = [];
  await walk(path.resolve(root), '', 0, out);
  if (out.length === 0) throw new StagecraftLocalError(`${root} holds no files`);
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

async function walk(dir: string, prefix: string, depth: number, out: LocalFile[]): Promise<void> {
  if (depth > MAX_DEPTH) throw new StagecraftLocalError(`${dir} is nested more than ${MAX_DEPTH} directories deep`);
  const entries = await fs.promises.readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    const abs = path.join(dir, entry.name);
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    // A link could point outside the directory or at secrets; the server refuses links too.
    if (entry.isSymbolicLink()) throw new StagecraftLocalError(`refusing symbolic link ${abs}: artifacts must be regular files`);
    if (entry.isDirectory()) await walk(abs, rel, depth + 1, out);
    else if (entry.isFile()) {
      if (out.length >= MAX_FILES) throw new StagecraftLocalError(`more than ${MAX_FILES} files under ${dir}`);
      out.push({ rel, abs, size: (await fs.promises.stat(abs)).size });
    } else throw new StagecraftLocalError(`refusing ${abs}: not a regular file (socket, device or pipe)`);
  }
}

async function lstatOrExplain(p: string): Promise<fs.Stats> {
  try {
    return await fs.promises.lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new StagecraftLocalError(`${p} does not exist`);
    throw new StagecraftLocalError(`cannot read ${p}: ${(err as Error).message}`);
  }
}

export async function sha256File(abs: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of fs.createReadStream(abs)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * Where a manifest path lands under outDir. The manifest comes from a server, which may be wrong or
 * hostile: absolute paths, "..", empty segments and backslashes are refused before touching disk.
 */
export function safeTarget(outDir: string, rel: string): string {
  const parts = rel.split('/');
  const bad =
    !rel ||
    rel.includes('\\') ||
    rel.includes('\0') ||
    path.isAbsolute(rel) ||
    /^[A-Za-z]:/.test(rel) ||
    parts.some((s) => s === '' || s === '.' || s === '..');
  const root = path.resolve(outDir);
  const target = path.resolve(root, ...parts);
  if (bad || !target.startsWith(root + path.sep)) throw new StagecraftLocalError(`refusing unsafe path "${rel}" in the manifest`);
  return target;
}
