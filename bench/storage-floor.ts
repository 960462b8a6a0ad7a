// npm run bench:storage -- --only floor — the floor under "download through the server": the same
// S3 object (--size MB, default 256) read by the AWS SDK alone (one GetObject, drained) and through
// a bare Node proxy in its own process (bench/storage-floor-proxy.ts: GetObject piped to the
// response, /raw without and /verified with the sha256 check), each drained by a plain node:http
// GET, in interleaved rounds (--reps N, default 5). With CPU seconds per run of the client (this
// process), the proxy and the S3 store's daemons. What Stagecraft's own route (bench --only
// transfer) cannot beat: it does at least this much per byte.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startBenchS3 } from './bench-s3.js';
import { flag } from './harness.js';

const MB = 1024 * 1024;
const SIZE = Number(flag('size', '256')) * MB;
const REPS = Number(flag('reps', '5'));
const HERE = path.dirname(fileURLToPath(import.meta.url));

const cpuS = (pid: number) => {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function drainHttp(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let n = 0;
      res.on('data', (c: Buffer) => (n += c.length));
      res.on('end', () => resolve(n));
      res.on('error', reject);
    }).on('error', reject);
  });
}

export async function runFloorBench(): Promise<void> {
  const s3 = await startBenchS3(SIZE * 3 + 256 * MB, SIZE * 2 + 128 * MB, 'floor');
  try {
    const bytes = randomBytes(SIZE);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    await s3.client.send(new PutObjectCommand({ Bucket: 'floor', Key: 'object', Body: bytes }));
    const proxy = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'storage-floor-proxy.ts')], {
      env: { ...process.env, ...s3.env, FLOOR_BUCKET: 'floor', FLOOR_KEY: 'object', FLOOR_SIZE: String(SIZE), FLOOR_SHA256: sha256, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const port = await new Promise<string>((resolve) => proxy.stdout!.on('data', (d: Buffer) => /port (\d+)/.test(d.toString()) && resolve(/port (\d+)/.exec(d.toString())![1])));
      const s3Pids = fs.readFileSync(path.join(s3.env.S3_TEST_DIR, 'pids'), 'utf8').split('\n').map((l) => Number(l.split(' ')[0])).filter(Boolean);
      const cpu = () => {
        const u = process.cpuUsage();
        return [(u.user + u.system) / 1e6, cpuS(proxy.pid!), s3Pids.reduce((s, p) => s + cpuS(p), 0)];
      };
      const ways: Record<string, () => Promise<number>> = {
        'AWS SDK alone (GetObject)': async () => {
          let n = 0;
          for await (const c of (await s3.client.send(new GetObjectCommand({ Bucket: 'floor', Key: 'object' }))).Body as Readable) n += (c as Buffer).length;
          return n;
        },
        'bare proxy, piped': () => drainHttp(`http://127.0.0.1:${port}/raw`),
        'bare proxy, piped and sha256-verified': () => drainHttp(`http://127.0.0.1:${port}/verified`),
      };
      const runs: Record<string, Array<{ s: number; cpu: number[] }>> = {};
      console.log(`bench:storage floor — ${SIZE / MB} MB, ${REPS} rounds; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (${os.cpus().length} cores)`);
      for (let r = 0; r < REPS; r++) {
        for (const [name, way] of Object.entries(ways)) {
          const c0 = cpu();
          const t0 = performance.now();
          const n = await way();
          const s = (performance.now() - t0) / 1000;
          if (n !== SIZE) throw new Error(`${name}: ${n} of ${SIZE} bytes`);
          (runs[name] ??= []).push({ s, cpu: cpu().map((c, i) => c - c0[i]) });
        }
      }
      const sdk = runs['AWS SDK alone (GetObject)'];
      console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
      console.log('| download | median | ratio to the SDK: median of rounds (range) | CPU s per run: client / proxy / S3 store (medians) |');
      console.log('| --- | --- | --- | --- |');
      for (const [name, xs] of Object.entries(runs)) {
        const ratios = xs.map((x, i) => sdk[i].s / x.s);
        const c = [0, 1, 2].map((i) => median(xs.map((x) => x.cpu[i])).toFixed(2));
        console.log(`| ${name} | ${median(xs.map((x) => x.s)).toFixed(2)} s | ${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}) | ${c.join(' / ')} |`);
      }
    } finally {
      proxy.kill('SIGTERM');
    }
  } finally {
    s3.stop();
  }
}
