// Serving processes a benchmark measures from outside: each target runs in its own process (so no
// two share a heap, a JIT or an event loop), prints one JSON line with its base URL, then answers
// every line read from stdin with its CPU usage, and closes when stdin ends. Both ends are here:
// startTarget (the bench) and serveUsage (the target).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

export interface TargetUsage {
  /** The process's CPU (all threads), ms. */
  cpuMs: number;
  /** Garbage-collection pauses on the main thread, summed, ms. */
  gcMs: number;
  /** CPU ms per thread: `main` and the others by thread id (Linux). */
  threads: Record<string, number>;
  /** Whatever the target adds (the monitoring target: rows retained and dropped). */
  [extra: string]: unknown;
}

export interface Target<U extends TargetUsage = TargetUsage> {
  base: string;
  usage(): Promise<U>;
  close(): Promise<void>;
}

/**
 * Runs the bench script `file` (a sibling of `from`, the caller's import.meta.url) in its own
 * process, compiled as this one is (tsx, or scripts/bench-loader.mjs: the same node flags).
 * `nodeArgs` go before the script (e.g. --cpu-prof).
 */
export async function startTarget<U extends TargetUsage = TargetUsage>(from: string, file: string, args: string[], nodeArgs: string[] = []): Promise<Target<U>> {
  const script = fileURLToPath(new URL(`./${file}.ts`, from));
  const child = spawn(process.execPath, [...process.execArgv, ...nodeArgs, script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout! });
  const queue: string[] = [];
  let waiting: { resolve: (l: string) => void; reject: (e: Error) => void } | null = null;
  let exited: Error | null = null;
  lines.on('line', (l) => {
    if (!waiting) return void queue.push(l);
    waiting.resolve(l);
    waiting = null;
  });
  child.once('exit', (code) => {
    exited = new Error(`bench target ${file} ${args.join(' ')} exited with ${code}`);
    waiting?.reject(exited);
  });
  const next = () =>
    new Promise<string>((resolve, reject) => {
      if (queue.length) return resolve(queue.shift()!);
      if (exited) return reject(exited);
      waiting = { resolve, reject };
    });
  const { base } = JSON.parse(await next()) as { base: string };
  return {
    base,
    usage: async () => (child.stdin!.write('usage\n'), JSON.parse(await next()) as U),
    close: () => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', () => resolve()), child.stdin!.end()))),
  };
}

/** CPU milliseconds per thread (Linux /proc): the main thread, and the others by thread id. */
function threadCpuMs(): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const tid of fs.readdirSync('/proc/self/task')) {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[Number(tid) === process.pid ? 'main' : tid] = (Number(f[11]) + Number(f[12])) * 10;
    }
  } catch {
    // not Linux: the process total still counts
  }
  return out;
}

/** The target's side: prints `base`, then a usage line per stdin line; runs `close` and exits when stdin ends. */
export function serveUsage(base: string, close: () => Promise<void>, extra: () => Record<string, unknown> = () => ({})): void {
  let gcMs = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  }).observe({ entryTypes: ['gc'] });
  console.log(JSON.stringify({ base }));
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', () => {
    const u = process.cpuUsage();
    const usage: TargetUsage = { cpuMs: (u.user + u.system) / 1000, gcMs, threads: threadCpuMs(), ...extra() };
    console.log(JSON.stringify(usage));
  });
  rl.on('close', async () => {
    await close();
    process.exit(0);
  });
}
