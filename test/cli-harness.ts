// Runs the real CLI in-process against a registry listening on 127.0.0.1:0, capturing what a user
// would read on stdout and stderr, and the exit code main.ts would pass to process.exit.
import fs from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { beforeAll } from 'vitest';
import { runCli } from '../src/cli/cli.js';
import { tempDir, useRegistry, type DbKind, type Registry } from './databases.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for --json runs). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the CLI's --json output is what the test asserts on
  json: any;
}

export interface RunOptions {
  env?: Record<string, string>;
  signal?: AbortSignal;
  onStdout?: (all: string) => void;
  /** Pretend stderr is a terminal (progress bars draw only there). */
  tty?: boolean;
}

export interface CliServer extends Registry {
  url: string;
  /** Runs `stagecraft --url URL ...args`. */
  run(args: string[], opts?: RunOptions): Promise<CliRun>;
}

export function useCliServer(kind: DbKind): CliServer {
  const registry = useRegistry(kind);
  const server = registry as CliServer;
  beforeAll(async () => {
    await registry.app.listen({ host: '127.0.0.1', port: 0 });
    server.url = `http://127.0.0.1:${(registry.app.server.address() as AddressInfo).port}`;
  });
  server.run = (args, opts = {}) => runAgainst(server.url, args, opts);
  return server;
}

export async function runAgainst(
  url: string,
  args: string[],
  opts: RunOptions = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['node', 'stagecraft', '--url', url, ...args], {
    stdout: {
      write: (s: string) => {
        stdout += s;
        opts.onStdout?.(stdout);
      },
    },
    stderr: { write: (s: string) => (stderr += s), isTTY: opts.tty },
    env: opts.env ?? {},
    signal: opts.signal,
  });
  let json: unknown = undefined;
  try {
    json = JSON.parse(stdout);
  } catch {
    // not JSON output
  }
  return { code, stdout, stderr, json };
}

/** A directory of files for `versions create`. */
export function artifactDir(files: Record<string, string | Buffer>): string {
  const dir = tempDir('cli-art-');
  for (const [rel, bytes] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), bytes);
  }
  return dir;
}

/** A 127.0.0.1 URL nothing listens on: bound, then closed. */
export async function deadUrl(): Promise<string> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
