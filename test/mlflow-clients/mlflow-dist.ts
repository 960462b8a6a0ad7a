// Where the official MLflow (../shared/mlflow) is and how to run it: the Python, the two client
// trees and their env scripts. No vitest here, so the benchmarks can start the real server too.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type ClientVersion = '2.17.2' | '3.x';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Debian's Python: the bundled binary parts and Debian's sklearn/pandas/numpy are built for it. */
export const PYTHON = process.env.STAGECRAFT_MLFLOW_PYTHON ?? '/usr/bin/python3';

/**
 * ../shared/mlflow next to the repository, or STAGECRAFT_MLFLOW_DIR. The repository may be a git
 * worktree placed elsewhere, so its parent's `shared/` and the main checkout's parent are both tried.
 */
function locateMlflowDir(): string {
  if (process.env.STAGECRAFT_MLFLOW_DIR) return path.resolve(process.env.STAGECRAFT_MLFLOW_DIR);
  const candidates = [path.resolve(REPO, '..', 'shared', 'mlflow')];
  const common = spawnSync('git', ['-C', REPO, 'rev-parse', '--path-format=absolute', '--git-common-dir'], { encoding: 'utf8' });
  if (common.status === 0 && common.stdout.trim()) candidates.push(path.resolve(common.stdout.trim(), '..', '..', 'shared', 'mlflow'));
  // A clean clone elsewhere: beside the local repository it was cloned from.
  const origin = spawnSync('git', ['-C', REPO, 'remote', 'get-url', 'origin'], { encoding: 'utf8' });
  if (origin.status === 0 && path.isAbsolute(origin.stdout.trim())) candidates.push(path.resolve(origin.stdout.trim(), '..', 'shared', 'mlflow'));
  return candidates.find((c) => fs.existsSync(c)) ?? candidates[0];
}

export const MLFLOW_DIR = locateMlflowDir();

/** The shell prefix that gives a command one client's environment (env-2.sh / env-3.sh). */
export function envScript(client: ClientVersion): string {
  return path.join(MLFLOW_DIR, client === '2.17.2' ? 'env-2.sh' : 'env-3.sh');
}
