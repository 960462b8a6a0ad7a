// npm run bench:storage -- --only transfer — a large artifact (1 GB by default; --size MB to change) uploaded to and
// downloaded from an S3-compatible server (../shared/s3, Ceph RGW, started here with room for it)
// through Stagecraft's REST API (`stagecraft server --artifacts-url s3://…` in its own process) and
// through the AWS SDK alone (lib-storage Upload with the same part size and concurrency, and one
// GetObject), in the same run; throughput ratio Stagecraft/SDK (aim ≥ 0.9) and the server's peak
// RSS during the transfers over its idle RSS (aim: < 150 MB). Also the presigned download (the SDK's
// road for large files). Flags: --size MB (default 1024), --reps N (SDK/Stagecraft pairs, median;
// default 1), --cpu-prof DIR (the server writes a V8 CPU profile there), --transfers upload,download,presigned
// (which to time; default all), --client http|fetch (the Stagecraft side's HTTP client; default http).
// Needs ../shared/s3 (or STAGECRAFT_S3_DIR); everything it starts is stopped when it ends.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { DeleteObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { S3_DIR, startBenchS3 } from './bench-s3.js';
import { benchTempDir, flag, removeBenchTempDir } from './harness.js';
import { freePort } from '../test/free-port.js';

const MB = 1024 * 1024;
const SIZE = Number(flag('size', '1024')) * MB;
const REPS = Number(flag('reps', '1'));
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PROFILE_DIR = flag('cpu-prof', null);
/** --transfers upload,download,presigned: which to time (default all; a profile of one alone is clearer). */
const TRANSFERS = (flag('transfers', 'upload,download,presigned') ?? '').split(',');
/**
 * --client http|fetch: the HTTP client of the Stagecraft side. http (default since 2026-12-05 05:10)
 * is node:http, the stack the SDK side's requests go through (@smithy/node-http-handler), so the
 * two sides differ only by the server in between; fetch (undici, web streams) was used before and
 * spends more CPU per byte in the client itself (measured: ~0.4 vs ~0.2 s per 256 MB drained).
 */
const CLIENT = flag('client', 'http');
let tmpDir: string | null = null;
/** The bench's scratch directory, made on first use (importing this file makes nothing). */
const tmp = () => (tmpDir ??= benchTempDir('stagecraft-bench-storage-'));
const cleanups: Array<() => unknown> = [];
const loadavg = () => `${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (${os.cpus().length} cores)`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** CPU seconds (user + system) `pid` has used so far. */
function cpuS(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s)
}

/** Samples the RSS of `pid` every 50 ms while `work` runs; the peak. */
async function peakRss<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; peakMb: number }> {
  let peak = rssMb(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 50);
  try {
    return { result: await work(), peakMb: Math.max(peak, rssMb(pid)) };
  } finally {
    clearInterval(timer);
  }
}

async function startStagecraft(s3: Record<string, string>): Promise<{ url: string; pid: number; stop: () => Promise<unknown> }> {
  const port = await freePort();
  // --cpu-prof DIR: the server writes a V8 CPU profile there when it stops (open it in Chrome's DevTools).
  const prof = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(PROFILE_DIR)}`] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', path.join(REPO, 'src', 'main.ts'), 'server', '--port', String(port), '--data-dir', path.join(tmp(), 'data'), '--artifacts-url', 's3://bench/stagecraft', '--s3-endpoint', s3.S3_ENDPOINT], {
    env: { ...process.env, AWS_ACCESS_KEY_ID: s3.S3_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: s3.S3_SECRET_ACCESS_KEY, AWS_REGION: s3.S3_REGION, STAGECRAFT_LOG_LEVEL: 'warn', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise((r) => child.once('exit', r));
  // Waits for the exit (a profile is written then) before the S3 server behind it goes.
  const stop = () => (child.kill('SIGTERM'), Promise.race([exited, sleep(15_000)]));
  cleanups.push(stop);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (await fetch(`${url}/api/v1/health`).then((r) => r.ok, () => false)) return { url, pid: child.pid!, stop };
    await sleep(100);
  }
  throw new Error('stagecraft server did not start');
}

function artifactFile(): { file: string; sha256: string } {
  const file = path.join(tmp(), 'artifact.bin');
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

/** One request with node:http: the body piped from `body` when given; answers the status and the bytes drained. */
function httpRequest(url: string, method: string, body?: Readable): Promise<{ status: number; bytes: number; text: string; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: body ? { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' } : {} }, (res) => {
      let bytes = 0;
      const small: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (res.statusCode !== 200) small.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, text: Buffer.concat(small).toString(), location: res.headers.location }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body) body.pipe(req);
    else req.end();
  });
}

async function timed<T>(fn: () => Promise<T>): Promise<{ s: number; result: T }> {
  const t0 = performance.now();
  const result = await fn();
  return { s: (performance.now() - t0) / 1000, result };
}

/** The median of `xs` (the middle one; the mean of the two middle ones). */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** CPU seconds used so far by this process (the client of both sides), the Stagecraft server and the S3 store's daemons. */
interface Cpu {
  bench: number;
  server: number;
  s3: number;
}
let cpuNow: () => Cpu = () => ({ bench: 0, server: 0, s3: 0 });
const cpuDelta = (a: Cpu, b: Cpu): Cpu => ({ bench: b.bench - a.bench, server: b.server - a.server, s3: b.s3 - a.s3 });

interface Pairs {
  sdk: number[];
  sc: number[];
  ratios: number[];
  /** Per run, each side's CPU: what the whole path cost, not only the server's share. */
  sdkCpu: Cpu[];
  scCpu: Cpu[];
}

/**
 * SDK, then Stagecraft, then the next pair: on a shared machine whose load moves by the minute, a
 * pair taken back to back sees the same load, and the median of per-pair ratios is what we quote
 * (all SDK runs first, then all Stagecraft runs, put minutes of drift between the two sides).
 */
async function pairs(sdk: () => Promise<number>, sc: () => Promise<number>): Promise<Pairs> {
  const out: Pairs = { sdk: [], sc: [], ratios: [], sdkCpu: [], scCpu: [] };
  for (let i = 0; i < REPS; i++) {
    const c0 = cpuNow();
    const a = await sdk();
    const c1 = cpuNow();
    const b = await sc();
    const c2 = cpuNow();
    out.sdk.push(a);
    out.sc.push(b);
    out.ratios.push(a / b);
    out.sdkCpu.push(cpuDelta(c0, c1));
    out.scCpu.push(cpuDelta(c1, c2));
  }
  return out;
}

async function transferBench(): Promise<void> {
  console.log(`bench:storage transfer — ${SIZE / MB} MB artifact, ${REPS} SDK/Stagecraft pair(s), Stagecraft client ${CLIENT}; S3 from ${S3_DIR}; load average ${loadavg()}`);
  // Room for the SDK's copy and Stagecraft's, each rewritten per pair (RGW frees overwritten objects lazily), with slack.
  const server = await startBenchS3(SIZE * (3 + 2 * REPS) + 512 * MB, SIZE * (2 + 2 * REPS) + 256 * MB, 'bench');
  cleanups.push(() => server.stop());
  const { env: s3, client } = server;
  const { file, sha256 } = artifactFile();
  const sc = await startStagecraft(s3);
  await sleep(1000);
  const idle = rssMb(sc.pid);
  const s3Pids = fs.readFileSync(path.join(s3.S3_TEST_DIR, 'pids'), 'utf8').split('\n').map((l) => Number(l.split(' ')[0])).filter(Boolean);
  cpuNow = () => {
    const u = process.cpuUsage();
    return { bench: (u.user + u.system) / 1e6, server: cpuS(sc.pid), s3: s3Pids.reduce((sum, pid) => sum + cpuS(pid), 0) };
  };
  const scKey = `stagecraft/sha256/${sha256.slice(0, 2)}/${sha256}`;

  // The AWS SDK alone: the same part size and concurrency as Stagecraft's store (s3-upload.ts).
  const sdkUpload = async () => (await timed(() => new Upload({ client, params: { Bucket: 'bench', Key: 'sdk/artifact.bin', Body: fs.createReadStream(file, { highWaterMark: MB }) }, partSize: 8 * MB, queueSize: 4 }).done())).s;
  const scUpload = async () => {
    // A blob already stored is read back whole to check it before being replaced: remove it so each
    // pair times the same thing (a first upload).
    await client.send(new DeleteObjectCommand({ Bucket: 'bench', Key: scKey }));
    const t = await timed(async () => {
      const url = `${sc.url}/api/v1/blobs?sha256=${sha256}`;
      if (CLIENT === 'http') {
        const res = await httpRequest(url, 'POST', fs.createReadStream(file, { highWaterMark: MB }));
        if (res.status !== 201) throw new Error(`upload: ${res.status} ${res.text}`);
        return;
      }
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: Readable.toWeb(fs.createReadStream(file, { highWaterMark: MB })) as ReadableStream, duplex: 'half' } as RequestInit);
      if (res.status !== 201) throw new Error(`upload: ${res.status} ${await res.text()}`);
    });
    return t.s;
  };
  const none: Pairs = { sdk: [NaN], sc: [NaN], ratios: [NaN], sdkCpu: [], scCpu: [] };
  const skipped = { result: none, peakMb: NaN };
  if (!TRANSFERS.includes('upload')) await Promise.all([sdkUpload(), scUpload()]); // both copies are needed for the downloads
  const up = TRANSFERS.includes('upload') ? await peakRss(sc.pid, () => pairs(sdkUpload, scUpload)) : skipped;

  const post = (p: string, body: unknown) => fetch(`${sc.url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await post('/api/v1/models', { name: 'big' });
  const created = await post('/api/v1/models/big/versions', { files: [{ path: 'weights.bin', sha256 }] });
  if (created.status !== 201) throw new Error(`version: ${created.status} ${await created.text()}`);
  const sdkDownload = async () => (await timed(async () => drain((await client.send(new GetObjectCommand({ Bucket: 'bench', Key: 'sdk/artifact.bin' }))).Body as Readable))).s;
  const scDownload = async () =>
    (
      await timed(async () => {
        const url = `${sc.url}/api/v1/models/big/versions/1/files/weights.bin`;
        const n = CLIENT === 'http' ? (await httpRequest(url, 'GET')).bytes : await drain((await fetch(url)).body!);
        if (n !== SIZE) throw new Error(`download: ${n} of ${SIZE} bytes`);
      })
    ).s;
  const down = TRANSFERS.includes('download') ? await peakRss(sc.pid, () => pairs(sdkDownload, scDownload)) : skipped;
  const presignedUrl = `${sc.url}/api/v1/models/big/versions/1/files/weights.bin?redirect=presigned`;
  const presignedDownload = async () =>
    (
      await timed(async () => {
        if (CLIENT !== 'http') return drain((await fetch(presignedUrl)).body!);
        const redirect = await httpRequest(presignedUrl, 'GET');
        if (redirect.status !== 307 || !redirect.location) throw new Error(`presigned: ${redirect.status}`);
        return (await httpRequest(redirect.location, 'GET')).bytes;
      })
    ).s;
  const presigned = TRANSFERS.includes('presigned') ? await pairs(sdkDownload, presignedDownload) : none;
  await sc.stop();

  const mbs = (s: number) => (SIZE / MB / s).toFixed(0);
  // CPU seconds too: on a shared machine the wall-clock ratio moves with the load; CPU per byte does
  // not. Per side and process (medians): on a machine whose cores the SDK side already fills, the
  // Stagecraft side's extra CPU is extra wall time.
  const cpuCol = (xs: Cpu[], server: boolean) =>
    `${median(xs.map((c) => c.bench)).toFixed(2)} / ${server ? median(xs.map((c) => c.server)).toFixed(2) : '—'} / ${median(xs.map((c) => c.s3)).toFixed(2)}`;
  const rows = [
    ['upload', up.result, up.peakMb],
    ['download (through the server, verified)', down.result, down.peakMb],
    ['download (presigned redirect)', presigned, NaN],
  ] as const;
  console.log(`\nload average at the end: ${loadavg()}`);
  console.log('\n| transfer | AWS SDK alone (median) | Stagecraft REST (median) | ratio: median of pairs (range) (aim ≥ 0.9) | server peak RSS over idle (aim < 150 MB) | CPU s per run, client / Stagecraft server / S3 store: SDK side → Stagecraft side |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const [what, r, peak] of rows) {
    if (Number.isNaN(r.sdk[0])) continue;
    const rss = Number.isNaN(peak) ? '—' : `${(peak - idle).toFixed(0)} MB (idle ${idle.toFixed(0)} MB)`;
    const sdk = median(r.sdk);
    const scS = median(r.sc);
    const range = REPS > 1 ? ` (${Math.min(...r.ratios).toFixed(2)}–${Math.max(...r.ratios).toFixed(2)})` : '';
    const cpu = `${cpuCol(r.sdkCpu, false)} → ${cpuCol(r.scCpu, true)}`;
    console.log(`| ${what} | ${sdk.toFixed(2)} s (${mbs(sdk)} MB/s) | ${scS.toFixed(2)} s (${mbs(scS)} MB/s) | ${median(r.ratios).toFixed(2)}${range} | ${rss} | ${cpu} |`);
  }
}

export async function runTransferBench(): Promise<void> {
  try {
    await transferBench();
  } finally {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch {
        // best effort: the next cleanup still runs
      }
    }
    if (tmpDir) removeBenchTempDir(tmpDir);
  }
}
