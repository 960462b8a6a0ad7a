// A real MLflow server (from ../shared/mlflow) as the reference Stagecraft's answers are compared
// with: SQLite backend and artifact store in a temp dir, a free loopback port, one worker, killed
// (its whole process group) when the test is done. No vitest here: bench/mlflow.ts starts one too.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { envScript, PYTHON, type ClientVersion } from './mlflow-dist.js';
import { freePort } from '../free-port.js';

export interface ReferenceServer {
  url: string;
  stop(): Promise<void>;
}

async function healthy(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

function killGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    try {
      process.kill(-child.pid!, 'SIGTERM'); // the server forks its worker: end the group we started
    } catch {
      resolve();
    }
    setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 5000).unref();
  });
}

export async function startReferenceServer(version: ClientVersion = '3.x', timeoutMs = 90_000): Promise<ReferenceServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecraft-mlflow-reference-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [
    `--backend-store-uri sqlite:///${path.join(dir, 'mlflow.db')}`,
    `--artifacts-destination ${path.join(dir, 'art')}`,
    `--serve-artifacts --host 127.0.0.1 --port ${port} --workers 1`,
  ].join(' ');
  const command = `source "${envScript(version)}" && exec "${PYTHON}" -m mlflow server ${args}`;
  const child = spawn('bash', ['-c', command], { cwd: dir, env: { PATH: process.env.PATH, HOME: dir, LANG: 'C.UTF-8' }, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-8000)));
  const stop = async () => {
    await killGroup(child);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if (await healthy(url)) return { url, stop };
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`the reference MLflow ${version} server did not come up on ${url}:\n${stderr}`);
}
