// A Python version's verified local copy: every file of its MLflow model directory, streamed into a
// fresh per-version directory that only this load uses and that is removed when the version is
// released, each checked against the manifest's sha256 on the way (the source verifies:
// verified-file.ts) and never held whole in memory (a model's pickle may be gigabytes). The worker
// loads from here, never from the registry's storage.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { VersionSpec } from './runtime.js';

/** Writes one verified file of the version to `target` (GatewaySource.saveFile). */
export type SaveFile = (spec: VersionSpec, file: { path: string; sha256: string; size: number }, target: string) => Promise<void>;

/** Writes the version's model directory under `root`; answers the directory holding its MLmodel. */
export async function materializeVersion(spec: VersionSpec, saveFile: SaveFile, root: string): Promise<{ dir: string; modelDir: string }> {
  const py = spec.python!;
  await fs.mkdir(root, { recursive: true });
  const safe = spec.model.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 60);
  const dir = await fs.mkdtemp(path.join(root, `${safe}-v${spec.version}-`));
  try {
    for (const file of py.files) {
      const target = path.resolve(dir, file.path);
      // Paths come from the registry's manifest; one that climbs out of the directory is refused.
      if (!target.startsWith(dir + path.sep)) throw new Error(`artifact path "${file.path}" leaves the model directory`);
      await fs.mkdir(path.dirname(target), { recursive: true });
      await saveFile(spec, file, target);
    }
  } catch (err) {
    await removeDir(dir);
    throw err;
  }
  return { dir, modelDir: path.join(dir, py.root) };
}

export async function removeDir(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true }).catch(() => {});
}
