// The official MLflow clients (2.17.2 and 3.x, bundled in ../shared/mlflow) driven from vitest: a
// Python script runs with one client's environment against a Stagecraft server this test process
// started, and prints one JSON line the test asserts on. Like PostgreSQL and Chromium, the clients
// are optional on a developer's machine (the tests skip and say why) and required in CI
// (STAGECRAFT_REQUIRE_MLFLOW=1: missing = failure).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, it } from 'vitest';
import type { Config } from '../../src/config.js';
import type { Extension } from '../../src/extension.js';
import { serverExtensions } from '../../src/server.js';
import { tempDir, useRegistry, type DbKind, type Registry } from '../databases.js';
import { envScript, MLFLOW_DIR, PYTHON, type ClientVersion } from './mlflow-dist.js';

export { REPO, type ClientVersion } from './mlflow-dist.js';
export const CLIENTS: ClientVersion[] = ['2.17.2', '3.x'];
export const SCRIPTS = path.dirname(fileURLToPath(import.meta.url));
const REQUIRE = process.env.STAGECRAFT_REQUIRE_MLFLOW === '1';

/** Why the clients cannot run here, or null when they can. Cheap: file checks and one import probe. */
function whyMissing(): string | null {
  for (const v of CLIENTS) {
    if (!fs.existsSync(path.join(MLFLOW_DIR, v, 'mlflow', '__init__.py'))) return `the MLflow ${v} client is not at ${MLFLOW_DIR}/${v}`;
    if (!fs.existsSync(path.join(MLFLOW_DIR, `env-${v.startsWith('2') ? 2 : 3}.sh`))) return `${MLFLOW_DIR}/env-*.sh is missing`;
  }
  if (!fs.existsSync(PYTHON)) return `${PYTHON} is missing`;
  const probe = spawnSync(PYTHON, ['-c', 'import flask, sqlalchemy, sklearn, pandas'], { encoding: 'utf8', timeout: 60_000 });
  if (probe.status !== 0) return `the Debian packages MLflow needs are missing (${probe.stderr.trim().split('\n').pop()}): run bash ${MLFLOW_DIR}/setup.sh`;
  return null;
}

const missing = whyMissing();
if (missing && REQUIRE) {
  throw new Error(`STAGECRAFT_REQUIRE_MLFLOW=1 but ${missing}; run bash ../shared/mlflow/setup.sh or set STAGECRAFT_MLFLOW_DIR`);
}
export const SKIP_MLFLOW = missing !== null;
const SKIP_NOTE = missing ? `skipped: ${missing} (set STAGECRAFT_MLFLOW_DIR, or STAGECRAFT_REQUIRE_MLFLOW=1 to fail instead)` : '';

/**
 * describe() that runs only where the real clients are; elsewhere one skipped test carries the reason,
 * so a plain `npm test` says why these tests did not run.
 */
export function describeWithMlflow(title: string, body: () => void): void {
  if (!SKIP_MLFLOW) {
    describe(title, body);
    return;
  }
  console.warn(`${title}: ${SKIP_NOTE}`);
  describe(title, () => it.skip(SKIP_NOTE, () => {}));
}

export interface ClientRun<T> {
  code: number | null;
  /** The script's one JSON line (the last line of stdout that parses), or null. */
  json: T | null;
  stdout: string;
  stderr: string;
}

export interface ClientRunOptions {
  trackingUri: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * Runs `script` (a file in this folder) with one client against `trackingUri`, in a fresh working
 * directory. Asynchronous on purpose: the Stagecraft server answering it lives in this process.
 */
export function runClient<T = Record<string, unknown>>(client: ClientVersion, script: string, opts: ClientRunOptions): Promise<ClientRun<T>> {
  const cwd = tempDir('stagecraft-mlflow-client-');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: cwd,
    LANG: 'C.UTF-8',
    TMPDIR: cwd,
    MLFLOW_TRACKING_URI: opts.trackingUri,
    // no retries: a Stagecraft error must fail the step at once, not after minutes of backoff
    MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0',
    MLFLOW_HTTP_REQUEST_TIMEOUT: '60',
    ...opts.env,
  };
  const command = `source "${envScript(client)}" && exec "${PYTHON}" "${path.join(SCRIPTS, script)}"`;
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} with MLflow ${client} took longer than ${opts.timeoutMs ?? 120_000} ms\n${stderr.slice(-4000)}`));
    }, opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      fs.rmSync(cwd, { recursive: true, force: true });
      // STAGECRAFT_MLFLOW_DEBUG=1 shows what the client printed, to see a passing run's answers too
      if (process.env.STAGECRAFT_MLFLOW_DEBUG === '1') process.stderr.write(`--- ${script} (MLflow ${client}) exit ${code}\n${stderr.slice(-6000)}\n${stdout}\n`);
      resolve({ code, json: lastJsonLine<T>(stdout), stdout, stderr });
    });
  });
}

function lastJsonLine<T>(stdout: string): T | null {
  for (const line of stdout.trim().split('\n').reverse()) {
    try {
      return JSON.parse(line) as T;
    } catch {
      // a library printed something; keep looking
    }
  }
  return null;
}

/** A short failure message: the script's own error when it printed one, else the tail of stderr. */
export function explain(run: ClientRun<{ error?: string; failed_step?: string }>): string {
  const j = run.json;
  return j?.error ? `step "${j.failed_step}": ${j.error}` : `exit ${run.code}: ${run.stderr.slice(-3000)}`;
}

export interface LiveStagecraft extends Registry {
  /** http://127.0.0.1:<port> once beforeAll ran. */
  url: string;
}

/**
 * A Stagecraft server on a fresh database, listening on a free loopback port for the Python client.
 * By default with the extensions the MLflow door and "moves serving" need: mlflow and serving.
 */
export function useLiveStagecraft(
  kind: DbKind,
  opts: { extensions?: (set: ReturnType<typeof serverExtensions>) => Extension[]; config?: Partial<Config>; serverOptions?: Parameters<typeof serverExtensions>[0] } = {},
): LiveStagecraft {
  const ext = serverExtensions(opts.serverOptions);
  const r = useRegistry(kind, { config: opts.config, extensions: opts.extensions ? opts.extensions(ext) : ext.pick('serving', 'mlflow') });
  const live = r as LiveStagecraft;
  beforeAll(async () => {
    if (SKIP_MLFLOW) return;
    await r.app.listen({ host: '127.0.0.1', port: 0 });
    live.url = `http://127.0.0.1:${(r.app.server.address() as AddressInfo).port}`;
  });
  return live;
}
