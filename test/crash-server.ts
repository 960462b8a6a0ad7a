// A real `stagecraft server` in a child process on 127.0.0.1 and a free port, for tests that kill it
// with SIGKILL: no graceful close, no flush — what a power cut or the OOM killer does.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from './free-port.js';

const ROOT = path.resolve(import.meta.dirname, '..');

export interface ServerProcess {
  url: string;
  pid: number;
  /** kill -9; resolves when the process is gone. */
  kill(): Promise<void>;
  /** What it printed (for failure messages). */
  output(): string;
}

const live = new Set<ChildProcess>();

/** Kills every server this file started that is still running (afterAll). */
export function killAll(): void {
  for (const p of live) p.kill('SIGKILL');
  live.clear();
}

/** Starts the server (node --import tsx, one process, so its pid is the server's) and waits for /api/v1/health. */
export async function startServer(dataDir: string, databaseUrl: string | null, env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  const args = ['--import', 'tsx', path.join(ROOT, 'src', 'main.ts'), 'server', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir];
  if (databaseUrl) args.push('--database-url', databaseUrl);
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', STAGECRAFT_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-20_000)));
  child.stderr!.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  exited.then(() => live.delete(child), () => {});
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before answering:\n${out}`);
    const ok = await fetch(`${url}/api/v1/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not answer within 60 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    pid: child.pid!,
    output: () => out,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
