// npm run bench:storage — a large artifact (1 GB by default; --size MB to change) uploaded to and
// downloaded from an S3-compatible server (../shared/s3, Ceph RGW, started here with room for it)
// through Stagecraft's REST API (`stagecraft server --artifacts-url s3://…` in its own process) and
// through the AWS SDK alone (lib-storage Upload with the same part size and concurrency, and one
// GetObject), in the same run; throughput ratio Stagecraft/SDK (aim ≥ 0.9) and the server's peak
// RSS during the transfers over its idle RSS (aim: < 150 MB). Also the presigned download (the SDK's
// road for large files). Flags: --size MB (default 1024), --reps N (best of N, default 1).
// Needs ../shared/s3 (or STAGECRAFT_S3_DIR); everything it starts is stopped when it ends.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createS3Client } from '../src/blobs/s3-client.js';
import { flag } from './harness.js';
import { freePort } from '../test/free-port.js';

const MB = 1024 * 1024;
const SIZE = Number(flag('size', '1024')) * MB;
const REPS = Number(flag('reps', '1'));
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const S3_DIR = process.env.STAGECRAFT_S3_DIR ?? path.resolve(REPO, '..', 'shared', 's3');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecraft-bench-storage-'));
const cleanups: Array<() => void> = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startS3(): Record<string, string> {
  // Room for the SDK's copy, Stagecraft's temp object and its committed copy, with slack.
  const mem = SIZE * 5 + 512 * MB;
  const out = execFileSync('bash', [path.join(S3_DIR, 'start-s3.sh'), path.join(tmp, 's3')], {
    env: { ...process.env, S3_MEM_BYTES: String(mem), S3_QUOTA_BYTES: String(SIZE * 4 + 256 * MB), S3_QUIET: '1' },
    encoding: 'utf8',
  });
  const env: Record<string, string> = {};
  for (const m of out.matchAll(/^export (\w+)=(.*)$/gm)) env[m[1]] = m[2];
  cleanups.push(() => execFileSync('bash', [path.join(S3_DIR, 'stop-s3.sh'), env.S3_TEST_DIR], { stdio: 'ignore' }));
  return env;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** CPU seconds (user + system) `pid` has used so far. */
function cpuS(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s)
}

/** Samples the RSS of `pid` every 50 ms while `work` runs; the peak, and the CPU time it used. */
async function peakRss<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; peakMb: number; cpu: number }> {
  let peak = rssMb(pid);
  const cpu0 = cpuS(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 50);
  try {
    return { result: await work(), peakMb: Math.max(peak, rssMb(pid)), cpu: cpuS(pid) - cpu0 };
  } finally {
    clearInterval(timer);
  }
}

/** The CPU seconds this process spends in `work` (the SDK's side of the comparison). */
async function ownCpu<T>(work: () => Promise<T>): Promise<{ result: T; cpu: number }> {
  const c0 = process.cpuUsage();
  const result = await work();
  const c = process.cpuUsage(c0);
  return { result, cpu: (c.user + c.system) / 1e6 };
}

async function startStagecraft(s3: Record<string, string>): Promise<{ url: string; pid: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'src', 'main.ts'), 'server', '--port', String(port), '--data-dir', path.join(tmp, 'data'), '--artifacts-url', 's3://bench/stagecraft', '--s3-endpoint', s3.S3_ENDPOINT], {
    env: { ...process.env, AWS_ACCESS_KEY_ID: s3.S3_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: s3.S3_SECRET_ACCESS_KEY, AWS_REGION: s3.S3_REGION, STAGECRAFT_LOG_LEVEL: 'warn', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  cleanups.push(() => child.kill('SIGTERM'));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (await fetch(`${url}/api/v1/health`).then((r) => r.ok, () => false)) return { url, pid: child.pid! };
    await sleep(100);
  }
  throw new Error('stagecraft server did not start');
}

function artifactFile(): { file: string; sha256: string } {
  const file = path.join(tmp, 'artifact.bin');
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'w');
  for (let left = SIZE; left > 0; left -= 8 * MB) {
    const chunk = randomBytes(Math.min(8 * MB, left));
    hash.update(chunk);
    fs.writeSync(fd, chunk);
  }
  fs.closeSync(fd);
  return { file, sha256: hash.digest('hex') };
}

async function drain(body: ReadableStream<Uint8Array> | Readable): Promise<number> {
  let n = 0;
  for await (const c of body as AsyncIterable<Uint8Array>) n += c.length;
  return n;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ s: number; result: T }> {
  const t0 = performance.now();
  const result = await fn();
  return { s: (performance.now() - t0) / 1000, result };
}

async function best(fn: () => Promise<number>): Promise<number> {
  let b = Infinity;
  for (let i = 0; i < REPS; i++) b = Math.min(b, await fn());
  return b;
}

async function main() {
  console.log(`bench:storage — ${SIZE / MB} MB artifact, best of ${REPS}; S3 from ${S3_DIR}`);
  const s3 = startS3();
  const client = createS3Client({ endpoint: s3.S3_ENDPOINT, region: s3.S3_REGION, credentials: { accessKeyId: s3.S3_ACCESS_KEY_ID, secretAccessKey: s3.S3_SECRET_ACCESS_KEY } });
  await client.send(new CreateBucketCommand({ Bucket: 'bench' }));
  const { file, sha256 } = artifactFile();

  // The AWS SDK alone: the same part size and concurrency as Stagecraft's store (s3-upload.ts).
  const sdkUp = await ownCpu(() => best(async () => (await timed(() => new Upload({ client, params: { Bucket: 'bench', Key: 'sdk/artifact.bin', Body: fs.createReadStream(file, { highWaterMark: MB }) }, partSize: 8 * MB, queueSize: 4 }).done())).s));
  const sdkDown = await ownCpu(() => best(async () => (await timed(async () => drain((await client.send(new GetObjectCommand({ Bucket: 'bench', Key: 'sdk/artifact.bin' }))).Body as Readable))).s));

  const sc = await startStagecraft(s3);
  await sleep(1000);
  const idle = rssMb(sc.pid);
  const up = await peakRss(sc.pid, () =>
    best(async () => {
      const t = await timed(async () => {
        const res = await fetch(`${sc.url}/api/v1/blobs?sha256=${sha256}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: Readable.toWeb(fs.createReadStream(file, { highWaterMark: MB })) as ReadableStream, duplex: 'half' } as RequestInit);
        if (res.status !== 201) throw new Error(`upload: ${res.status} ${await res.text()}`);
      });
      return t.s;
    }),
  );
  const post = (p: string, body: unknown) => fetch(`${sc.url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await post('/api/v1/models', { name: 'big' });
  const created = await post('/api/v1/models/big/versions', { files: [{ path: 'weights.bin', sha256 }] });
  if (created.status !== 201) throw new Error(`version: ${created.status} ${await created.text()}`);
  const down = await peakRss(sc.pid, () =>
    best(async () => {
      const t = await timed(async () => {
        const res = await fetch(`${sc.url}/api/v1/models/big/versions/1/files/weights.bin`);
        const n = await drain(res.body!);
        if (n !== SIZE) throw new Error(`download: ${n} of ${SIZE} bytes`);
      });
      return t.s;
    }),
  );
  const presigned = await best(async () => (await timed(async () => drain((await fetch(`${sc.url}/api/v1/models/big/versions/1/files/weights.bin?redirect=presigned`)).body!))).s);

  const mbs = (s: number) => (SIZE / MB / s).toFixed(0);
  // CPU seconds too: on a shared machine the wall-clock ratio moves with the load; CPU per GB does not.
  const rows = [
    ['upload', sdkUp.result, up.result, up.peakMb, sdkUp.cpu, up.cpu],
    ['download (through the server, verified)', sdkDown.result, down.result, down.peakMb, sdkDown.cpu, down.cpu],
    ['download (presigned redirect)', sdkDown.result, presigned, NaN, NaN, NaN],
  ] as const;
  console.log(`\nload average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (${os.cpus().length} cores)`);
  console.log('\n| transfer | AWS SDK alone | Stagecraft REST | ratio (aim ≥ 0.9) | server peak RSS over idle (aim < 150 MB) | CPU s: SDK process / Stagecraft server |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const [what, sdk, scS, peak, sdkCpu, scCpu] of rows) {
    const rss = Number.isNaN(peak) ? '—' : `${(peak - idle).toFixed(0)} MB (idle ${idle.toFixed(0)} MB)`;
    const cpu = Number.isNaN(scCpu) ? '—' : `${(sdkCpu / REPS).toFixed(1)} / ${(scCpu / REPS).toFixed(1)}`;
    console.log(`| ${what} | ${sdk.toFixed(2)} s (${mbs(sdk)} MB/s) | ${scS.toFixed(2)} s (${mbs(scS)} MB/s) | ${(sdk / scS).toFixed(2)} | ${rss} | ${cpu} |`);
  }

  // ---- More storage figures go here (others add them; keep this file's part self-contained) ----
  // gc over 100,000 blobs: bench/storage-gc.ts. Backup and restore of 10,000 versions: the backup bench.
  // ------------------------------------------------------------------------------------------------
  client.destroy();
}

try {
  await main();
} finally {
  for (const c of cleanups.reverse()) {
    try {
      c();
    } catch {
      // best effort: the next cleanup still runs
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
}
