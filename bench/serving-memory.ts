// node --import ./scripts/bench-loader.mjs bench/serving-memory.ts — issue 18.6: a serving
// process's resident memory (RSS) under load, against a bare Fastify route calling onnxruntime-node
// on the same model, both as separate processes (what an operator sees), measured in interleaved
// rounds. The Stagecraft process is the built server (`node scripts/build-if-needed.mjs` first;
// `--main` for another build), SQLite, one small ONNX model in Production. RSS is read from
// /proc/PID/status every 100 ms: idle (after a warm-up) and the median and peak during --duration
// seconds of load (autocannon, --connections, its own process).
// The server runs with the node flags package.json's `start` script gives it (`npm start` is how the
// README starts it): --max-semi-space-size=8 caps V8's young generation, see docs/benchmarks.md.
// Flags: --rounds N (3), --duration S (10), --connections N (16), --main path/to/main.js,
// --node-flags "…" (instead of the start script's; "" for node's defaults), --rows N (1: input rows
// per request), --stagecraft-only (skip the bare route: A/B runs of two builds with --main).
// Server CPU per request (all threads, from /proc) is reported beside RSS: a memory change must not
// cost throughput, and on a shared machine req/s alone swings with the load.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { denseModelOnnx, type DenseModelSpec } from '../src/onnx/onnx-builder.js';
import { benchTempDir, cannon, flag, procUsage, removeBenchTempDir, seedProduction } from './harness.js';

const ROUNDS = Number(flag('rounds', '3'));
const DURATION = Number(flag('duration', '10'));
const CONNECTIONS = Number(flag('connections', '16'));
const root = fileURLToPath(new URL('..', import.meta.url));
const MAIN = path.resolve(flag('main', path.join(root, 'dist', 'src', 'main.js')));
const NODE_FLAGS = flag('node-flags', startScriptNodeFlags()).split(' ').filter(Boolean);
const tmp = benchTempDir('stagecraft-bench-memory-');
const spec: DenseModelSpec = { weights: [0.1, -0.2, 0.3, 0.05, -0.4, 0.6, 0.7, -0.8], bias: 0.1, activation: 'sigmoid' };
const ROWS = Number(flag('rows', '1'));
const ROW = [0.5, 1.2, -0.3, 2.2, 0.1, -1.5, 0.9, 0.4];
const BODY = JSON.stringify({ inputs: [{ name: 'input', shape: [ROWS, 8], datatype: 'FP32', data: Array.from({ length: ROWS }, () => ROW).flat() }] });
const STAGECRAFT_ONLY = process.argv.includes('--stagecraft-only');

const MODEL = path.join(tmp, 'model.onnx');
fs.writeFileSync(MODEL, denseModelOnnx(spec));
const BARE = path.join(tmp, 'bare-ort.mjs');
fs.writeFileSync(
  BARE,
  [
    `import Fastify from ${JSON.stringify(path.join(root, 'node_modules', 'fastify', 'fastify.js'))};`,
    `import { createRequire } from 'node:module';`,
    `const ort = createRequire(${JSON.stringify(path.join(root, 'package.json'))})('onnxruntime-node');`,
    `const session = await ort.InferenceSession.create(${JSON.stringify(MODEL)});`,
    `const app = Fastify();`,
    `app.get('/v2/health/live', async () => ({ live: true }));`,
    `app.post('/infer', async (req) => {`,
    `  const input = req.body.inputs[0];`,
    `  const out = await session.run({ input: new ort.Tensor('float32', Float32Array.from(input.data), input.shape) });`,
    `  return { outputs: [{ name: 'probability', shape: out.probability.dims, datatype: 'FP32', data: Array.from(out.probability.data) }] };`,
    `});`,
    `await app.listen({ host: '127.0.0.1', port: Number(process.argv[2]) });`,
    `process.on('SIGTERM', () => app.close().then(() => process.exit(0)));`,
  ].join('\n'),
);

/** The flags between `node` and `dist/src/main.js server` in package.json's start script. */
function startScriptNodeFlags(): string {
  const start = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start;
  const m = /\bnode((?: --\S+)*) dist\/src\/main\.js server\b/.exec(start);
  if (!m) throw new Error(`package.json's start script no longer runs "node … dist/src/main.js server": ${start}`);
  return m[1].trim();
}

async function freePort(): Promise<number> {
  const srv = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

async function start(args: string[], port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  for (const t0 = Date.now(); ; ) {
    if (await fetch(`http://127.0.0.1:${port}/v2/health/live`).then((r) => r.ok, () => false)) return child;
    if (child.exitCode !== null || Date.now() - t0 > 60_000) throw new Error(`${args.join(' ')} did not start`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

interface Sample {
  idle: number;
  median: number;
  peak: number;
  rps: number;
  /** Server CPU (user + system, every thread) per request during the load, µs. */
  cpuUs: number;
}

async function measure(child: ChildProcess, url: string): Promise<Sample> {
  await cannon(url, BODY, { duration: 2, connections: CONNECTIONS }); // warm-up: JIT, pools
  await new Promise((r) => setTimeout(r, 1000));
  const idle = procUsage(child.pid!).rssMb;
  const samples: number[] = [];
  const timer = setInterval(() => samples.push(procUsage(child.pid!).rssMb), 100);
  const cpu0 = procUsage(child.pid!).cpuMs;
  const load = await cannon(url, BODY, { duration: DURATION, connections: CONNECTIONS });
  const cpuUs = ((procUsage(child.pid!).cpuMs - cpu0) * 1000) / load.total;
  clearInterval(timer);
  if (load.errors > 0) throw new Error(`${url}: ${load.errors} failed requests (${JSON.stringify(load.statuses)})`);
  samples.sort((a, b) => a - b);
  return { idle, median: samples[samples.length >> 1], peak: samples[samples.length - 1], rps: load.rps, cpuUs };
}

async function stagecraft(): Promise<Sample> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(tmp, 'data-'));
  const child = await start([...NODE_FLAGS, MAIN, 'server', '--port', String(port), '--data-dir', dataDir], port);
  try {
    const base = `http://127.0.0.1:${port}`;
    await seedProduction(base, 'mem', [spec]);
    return await measure(child, `${base}/v2/models/mem/infer`);
  } finally {
    await stop(child);
  }
}

async function bare(): Promise<Sample> {
  const port = await freePort();
  const child = await start([BARE, String(port)], port);
  try {
    return await measure(child, `http://127.0.0.1:${port}/infer`);
  } finally {
    await stop(child);
  }
}

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const load0 = os.loadavg();
const results: Record<'stagecraft' | 'bare', Sample[]> = { stagecraft: [], bare: [] };
for (let i = 0; i < ROUNDS; i++) {
  if (!STAGECRAFT_ONLY) results.bare.push(await bare());
  results.stagecraft.push(await stagecraft());
}
removeBenchTempDir(tmp);
console.log(`\nserving memory — ${ROUNDS} interleaved rounds, ${DURATION} s at ${CONNECTIONS} connections, medians; ${[...NODE_FLAGS, MAIN].join(' ')}`);
console.log(`node ${process.version}, ${os.cpus().length} CPUs, load average ${load0.map((l) => l.toFixed(2)).join(' ')} → ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
console.log(`${ROWS} row(s) per request\n`);
console.log('| process | RSS idle | RSS under load (median) | RSS peak | req/s | server CPU per request |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const [name, xs] of Object.entries(results)) {
  if (xs.length === 0) continue;
  const f = (k: keyof Sample) => med(xs.map((x) => x[k]));
  console.log(`| ${name} | ${f('idle').toFixed(0)} MB | ${f('median').toFixed(0)} MB | ${f('peak').toFixed(0)} MB | ${f('rps').toFixed(0)} | ${f('cpuUs').toFixed(1)} µs |`);
}
if (!STAGECRAFT_ONLY) {
  const gap = med(results.stagecraft.map((x) => x.peak)) - med(results.bare.map((x) => x.peak));
  console.log(`\npeak RSS over the bare route: ${gap.toFixed(0)} MB (aim, issue 18.6: within 60 MB)`);
}
