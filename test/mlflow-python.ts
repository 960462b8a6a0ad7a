// The official MLflow Python client from ../shared/mlflow (see its README), for tests that drive it
// against a Stagecraft server: the environment its env-<2|3>.sh sets up, and a runner for a script.
// Absent client: tests skip and say why, unless STAGECRAFT_REQUIRE_MLFLOW=1 (CI), where it fails.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MLFLOW_DIR } from './mlflow-clients/mlflow-dist.js';
import { tempDir } from './temp-dirs.js';

// One place finds ../shared/mlflow (or STAGECRAFT_MLFLOW_DIR, which CI sets): mlflow-dist.ts.
export const MLFLOW_HOME = MLFLOW_DIR;
export const PYTHON = '/usr/bin/python3';

/** Why the client cannot run here, or null when it can. */
export function mlflowMissing(major: 2 | 3): string | null {
  const envFile = path.join(MLFLOW_HOME, `env-${major}.sh`);
  if (!fs.existsSync(envFile)) return `the MLflow ${major} client is not installed (${envFile} is missing; run ../shared/mlflow/setup.sh)`;
  if (!fs.existsSync(PYTHON)) return `${PYTHON} is missing`;
  return null;
}

export function requireMlflow(): boolean {
  return process.env.STAGECRAFT_REQUIRE_MLFLOW === '1';
}

/** The environment env-<major>.sh exports (PYTHONPATH and friends), read by sourcing it in bash. */
export function mlflowEnv(major: 2 | 3): Record<string, string> {
  const out = execFileSync('bash', ['-c', `source "${path.join(MLFLOW_HOME, `env-${major}.sh`)}" >/dev/null && env -0`], { encoding: 'utf8' });
  const env: Record<string, string> = {};
  for (const entry of out.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

/** Runs a Python script with the client; resolves with stdout, rejects with stderr's tail on failure. */
export function runPython(major: 2 | 3, script: string, env: Record<string, string>, timeoutMs = 170_000): Promise<string> {
  return new Promise((resolve, reject) => {
    // The client's own temp files (models downloaded by models:/ URIs, …) go where the test file's
    // cleanup removes them, not into the system's /tmp.
    const tmp = tempDir('stagecraft-py-');
    const child = spawn(PYTHON, [script], { env: { ...mlflowEnv(major), MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0', TMPDIR: tmp, MPLCONFIGDIR: tmp, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${path.basename(script)} exited with ${code}:\n${stderr.slice(-4000)}`));
    });
  });
}
