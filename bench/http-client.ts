// A minimal keep-alive HTTP client and latency statistics for the benchmarks.
import http from 'node:http';

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

export interface Reply {
  status: number;
  body: string;
}

export function request(base: string, method: string, path: string, body?: unknown): Promise<Reply> {
  const url = new URL(path, base);
  const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
  const headers: Record<string, string> = {};
  if (payload) {
    headers['content-type'] = Buffer.isBuffer(body) ? 'application/octet-stream' : 'application/json';
    headers['content-length'] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method, agent, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString() }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export interface Stats {
  n: number;
  p50: number;
  p99: number;
}

/** Runs `op` n times sequentially (after a short warm-up) and returns latency percentiles in ms. */
export async function measure(n: number, op: (i: number) => Promise<unknown>): Promise<Stats> {
  for (let i = 0; i < Math.min(20, n); i++) await op(-1 - i);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await op(i);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { n, p50: percentile(times, 50), p99: percentile(times, 99) };
}

export const fmt = (ms: number) => `${ms.toFixed(3)} ms`;

/**
 * Runs `run` `iterations` times on every target, in rounds of 25 per target after a warm-up of 20
 * each: interleaving spreads the machine's noise evenly over the targets compared.
 */
export async function measureInterleaved<T>(targets: readonly T[], run: (t: T, i: number) => Promise<unknown>, iterations: number): Promise<Stats[]> {
  const times = targets.map(() => [] as number[]);
  for (const t of targets) for (let w = 0; w < 20; w++) await run(t, -1 - w);
  for (let start = 0; start < iterations; start += 25) {
    for (const [k, t] of targets.entries()) {
      for (let i = start; i < Math.min(iterations, start + 25); i++) {
        const t0 = process.hrtime.bigint();
        await run(t, i);
        times[k]!.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }
  }
  return times.map((ts) => {
    ts.sort((a, b) => a - b);
    return { n: ts.length, p50: percentile(ts, 50), p99: percentile(ts, 99) };
  });
}
