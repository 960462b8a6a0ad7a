// What every benchmark needs around the figures: a fresh registry on SQLite or a fresh PostgreSQL
// database, a bare-route baseline measured in the same run, and one way to print the table.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import pg from 'pg';
import { defaultConfig } from '../src/config.js';
import { createDeps, type Deps } from '../src/deps.js';
import { createLogger } from '../src/log.js';
import { denseModelOnnx, type DenseModelSpec } from '../src/onnx/onnx-builder.js';
import { fmt, measure, request, type Stats } from './http-client.js';

/** A new, empty database on the PostgreSQL server behind `adminUrl`; returns its URL. */
export async function freshPg(adminUrl: string): Promise<string> {
  const name = `sc_bench_${randomBytes(4).toString('hex')}`;
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

// The temp directories this process made through benchTempDir and has not removed yet.
const tempDirs = new Set<string>();

/**
 * A new directory in the OS temp dir (`prefix` + random), removed when the process exits however it
 * ends: done, process.exit, an uncaught error, Ctrl-C or SIGTERM. A bench leaves nothing behind, and
 * removing at exit keeps the deletes out of what it measures. removeBenchTempDir removes one sooner.
 */
export function benchTempDir(prefix: string): string {
  removeTempDirsAtExit();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** Removes a benchTempDir now rather than at exit (a bench that makes one per setup frees the disk as it goes). */
export function removeBenchTempDir(dir: string): void {
  tempDirs.delete(dir);
  fs.rmSync(dir, { recursive: true, force: true });
}

let exitHooked = false;
function removeTempDirsAtExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => [...tempDirs].forEach(removeBenchTempDir));
  // A signal's default action ends the process without 'exit': remove them, then end as the signal
  // would have. A bench with its own handler for it ends itself (process.exit), and 'exit' removes
  // them then; this handler goes first, so every other one is still registered when it looks.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = () => {
      if (process.listenerCount(signal) > 1) return;
      [...tempDirs].forEach(removeBenchTempDir);
      process.off(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.prependListener(signal, onSignal);
  }
}

/** Registry dependencies on a temp data dir: SQLite, or a fresh PostgreSQL database. */
export async function benchDeps(kind: 'sqlite' | 'postgres', pgAdminUrl: string): Promise<Deps> {
  const dataDir = benchTempDir('sc-bench-');
  const databaseUrl = kind === 'postgres' ? await freshPg(pgAdminUrl) : null;
  const deps = await createDeps({ ...defaultConfig(), dataDir, databaseUrl, logLevel: 'silent' }, { log: createLogger('silent') });
  // Closing the deps also removes the temp data dir (and exit does if the bench fails before closing).
  const close = deps.close.bind(deps);
  return Object.assign(deps, { close: async () => { await close(); removeBenchTempDir(dataDir); } });
}

/** The floor: a bare Fastify route answering a small JSON object over the same client. */
export async function bareBaseline(n: number, body: unknown): Promise<Stats> {
  const bare = Fastify();
  bare.get('/ping', async () => body);
  await bare.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(bare.server.address() as AddressInfo).port}`;
  const stats = await measure(n, () => request(base, 'GET', '/ping'));
  await bare.close();
  return stats;
}

export async function must(p: Promise<{ status: number; body: string }>, ok: number[] = [200, 201]) {
  const r = await p;
  if (!ok.includes(r.status)) throw new Error(`unexpected ${r.status}: ${r.body}`);
  return JSON.parse(r.body || 'null');
}

export function printLatencyTable(title: string, baseline: Stats, rows: Array<[string, Stats, string]>, width = 40): void {
  console.log(`\n${title}`);
  console.log(`${'operation'.padEnd(width)} ${'p50'.padStart(10)} ${'p99'.padStart(10)} ${'p50 / bare'.padStart(11)}  aim`);
  console.log(`${'bare Fastify route (baseline)'.padEnd(width)} ${fmt(baseline.p50).padStart(10)} ${fmt(baseline.p99).padStart(10)} ${'1.0x'.padStart(11)}`);
  for (const [name, s, aim] of rows) {
    console.log(`${name.padEnd(width)} ${fmt(s.p50).padStart(10)} ${fmt(s.p99).padStart(10)} ${`${(s.p50 / baseline.p50).toFixed(1)}x`.padStart(11)}  ${aim}`);
  }
}

export interface LoadResult {
  rps: number;
  total: number;
  p50: number;
  p99: number;
  errors: number;
  /** Answers per HTTP status (autocannon only): tells load-shed 503s from other failures. */
  statuses?: Record<string, number>;
  /** wrk only: the errors by kind (connect, read, write, status = non-2xx/3xx answers, timeout = none within 2 s). */
  errorKinds?: Record<string, number>;
}

/**
 * autocannon in its own process: run in the benchmark's process it would share the event loop with
 * the servers it measures, and every cost on the server's main thread would be counted twice.
 */
export async function cannon(url: string, body: string, opts: { duration: number; connections: number }): Promise<LoadResult> {
  const { execFile } = await import('node:child_process');
  const { createRequire } = await import('node:module');
  const bin = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
  const args = [bin, '-j', '-c', String(opts.connections), '-d', String(opts.duration), '-m', 'POST', '-H', 'content-type=application/json', '-b', body, url];
  const out = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
  const r = JSON.parse(out);
  const statuses = Object.fromEntries(Object.entries((r.statusCodeStats ?? {}) as Record<string, { count: number }>).map(([code, s]) => [code, s.count]));
  return { rps: r.requests.average, total: r.requests.total, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx, statuses };
}

/**
 * wrk (C, one thread, epoll) in its own process: the same load for about a fifth of autocannon's CPU.
 * On a 2-core box autocannon spends more CPU per request than the server it measures, so whatever
 * else the server does on a second thread competes with the load generator rather than with idle
 * CPU, as it would with clients on other machines. Needs `wrk` on PATH (Debian package wrk).
 */
export async function wrkLoad(url: string, body: string, opts: { duration: number; connections: number }): Promise<LoadResult> {
  const { execFile } = await import('node:child_process');
  const script = path.join(os.tmpdir(), `stagecraft-wrk-${process.pid}.lua`);
  // The done() hook prints one JSON line; latency percentiles are in µs.
  fs.writeFileSync(
    script,
    `wrk.method = "POST"
wrk.body = ${JSON.stringify(body)}
wrk.headers["Content-Type"] = "application/json"
done = function(s, latency, requests)
  local e = s.errors
  io.write(string.format('\\n{"total":%d,"us":%d,"p50":%f,"p99":%f,"errors":%d,"errorKinds":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\\n', s.requests, s.duration, latency:percentile(50) / 1000, latency:percentile(99) / 1000, e.connect + e.read + e.write + e.status + e.timeout, e.connect, e.read, e.write, e.status, e.timeout))
end
`,
  );
  const args = ['-t', '1', '-c', String(opts.connections), '-d', `${opts.duration}s`, '-s', script, url];
  const out = await new Promise<string>((resolve, reject) => {
    execFile('wrk', args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout) =>
      err ? reject((err as NodeJS.ErrnoException).code === 'ENOENT' ? new Error('--loadgen wrk needs wrk on PATH: apt-get install -y wrk') : err) : resolve(stdout),
    );
  }).finally(() => fs.rmSync(script, { force: true }));
  const r = JSON.parse(out.trim().split('\n').pop()!) as { total: number; us: number; p50: number; p99: number; errors: number; errorKinds: Record<string, number> };
  return { rps: r.total / (r.us / 1e6), total: r.total, p50: r.p50, p99: r.p99, errors: r.errors, errorKinds: r.errorKinds };
}

const CLK_TCK = 100; // Linux's USER_HZ for /proc/PID/stat, 100 on every mainstream build

/**
 * What process `pid` uses, from /proc (Linux): resident memory now (VmRSS, MB) and CPU time so far
 * (user + system, ms). NaN for what cannot be read (the process is gone, or no /proc).
 */
export function procUsage(pid: number): { rssMb: number; cpuMs: number } {
  const read = (file: string) => {
    try {
      return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
    } catch {
      return '';
    }
  };
  // Fields after the ")" of the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const stat = read('stat');
  const rss = /VmRSS:\s+(\d+)/.exec(read('status'))?.[1];
  const f = stat ? stat.slice(stat.lastIndexOf(')') + 2).split(' ') : [];
  return { rssMb: rss === undefined ? NaN : Number(rss) / 1024, cpuMs: f.length > 12 ? ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK : NaN };
}

const argv = process.argv.slice(2);
/** A bench's `--name value` flag, or the fallback: every bench reads its flags this one way. */
export function flag<T extends string | null>(name: string, fallback: T): string | T {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
}

/** Registers `name` with one ONNX version per spec and promotes each to Production in turn (the last holds it). */
export async function seedProduction(base: string, name: string, specs: DenseModelSpec[]): Promise<void> {
  await must(request(base, 'POST', '/api/v1/models', { name }));
  for (const [i, spec] of specs.entries()) {
    const blob = await must(request(base, 'POST', '/api/v1/blobs', denseModelOnnx(spec)));
    await must(request(base, 'POST', `/api/v1/models/${name}/versions`, { files: [{ path: 'model.onnx', sha256: blob.sha256 }] }));
    await must(request(base, 'POST', `/api/v1/models/${name}/versions/${i + 1}/stage`, { stage: 'Production', archive_existing_versions: true }));
  }
}
