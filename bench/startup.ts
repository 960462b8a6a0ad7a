// npm run bench:startup — how fast the built CLI and server start (dist/, what `stagecraft` and
// `npm start` run; `npm run build` first). Interleaved rounds, medians of --runs N (default 9):
//   - `node -e 0`, the floor every CLI command pays;
//   - `stagecraft --help`, `stagecraft models list` and `stagecraft rollback --to N --force`
//     against a server the bench starts (rollbacks alternate between versions 1 and 2);
//   - server start to first answer (GET /v2/health/live) on an empty data directory, against a
//     bare Fastify route started the same way (the ratio baseline).
// Process time = user + system CPU of the process (/usr/bin/time for the CLI; /proc/PID/stat at the
// first answer for servers); wall time is printed too but follows the machine's load.
// Flags: --runs N, --main path/to/main.js (measure another build), --compare path/to/main.js (also
// start that build's server in the same interleaved rounds: before/after on the same load).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { benchTempDir, flag, procUsage, removeBenchTempDir, seedProduction } from './harness.js';

const RUNS = Number(flag('runs', '9'));
const root = fileURLToPath(new URL('..', import.meta.url));
const MAIN = path.resolve(flag('main', path.join(root, 'dist', 'src', 'main.js')));
const COMPARE = flag('compare', null);
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const run = promisify(execFile);
const tmp = benchTempDir('stagecraft-bench-startup-');

interface Sample {
  wallMs: number;
  cpuMs: number;
}

async function freePort(): Promise<number> {
  const srv = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** A short-lived command: wall time, and CPU through /usr/bin/time when the machine has it. */
async function timeCommand(args: string[], okCodes = [0]): Promise<Sample> {
  const out = path.join(tmp, 'time.txt');
  const cmd = TIME ? [TIME, '-f', '%U %S', '-o', out, process.execPath, ...args] : [process.execPath, ...args];
  const t0 = performance.now();
  const code = await run(cmd[0], cmd.slice(1), { cwd: root }).then(
    () => 0,
    (err: { code: number; stderr: string }) => (okCodes.includes(err.code) ? err.code : Promise.reject(new Error(`${args.join(' ')}: exit ${err.code}: ${err.stderr}`))),
  );
  const wallMs = performance.now() - t0;
  if (!okCodes.includes(code)) throw new Error(`${args.join(' ')}: exit ${code}`);
  const cpuMs = TIME ? fs.readFileSync(out, 'utf8').trim().split(/\s+/).slice(-2).map(Number).reduce((a, b) => a + b, 0) * 1000 : NaN;
  return { wallMs, cpuMs };
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

/** Spawns a server and measures spawn → first 200 from `probe`; resolves with it still running. */
async function startServer(args: string[], port: number): Promise<{ sample: Sample; child: ChildProcess }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  const url = `http://127.0.0.1:${port}/v2/health/live`;
  while (!(await answers(url))) {
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}: ${stderr}`);
    if (performance.now() - t0 > 60_000) throw new Error(`no answer in 60 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return { sample: { wallMs: performance.now() - t0, cpuMs: procUsage(child.pid!).cpuMs }, child };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function stagecraftStart(main = MAIN): Promise<Sample> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(tmp, 'data-'));
  const { sample, child } = await startServer([main, 'server', '--port', String(port), '--data-dir', dataDir], port);
  await stop(child);
  fs.rmSync(dataDir, { recursive: true, force: true });
  return sample;
}

const BARE = path.join(tmp, 'bare-fastify.mjs');
fs.writeFileSync(
  BARE,
  [
    `import Fastify from ${JSON.stringify(path.join(root, 'node_modules', 'fastify', 'fastify.js'))};`,
    `const app = Fastify();`,
    `app.get('/v2/health/live', async () => ({ live: true }));`,
    `await app.listen({ host: '127.0.0.1', port: Number(process.argv[2]) });`,
    `process.on('SIGTERM', () => app.close().then(() => process.exit(0)));`,
  ].join('\n'),
);

async function bareStart(): Promise<Sample> {
  const port = await freePort();
  const { sample, child } = await startServer([BARE, String(port)], port);
  await stop(child);
  return sample;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} does not exist: run npm run build first`);
  const load0 = os.loadavg();
  // The server the remote commands talk to: two ONNX versions, version 2 in Production.
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(tmp, 'remote-'));
  const { child: server } = await startServer([MAIN, 'server', '--port', String(port), '--data-dir', dataDir], port);
  const base = `http://127.0.0.1:${port}`;
  const spec = (v: number) => ({ weights: [0.1 * v, -0.2, 0.3, 0.05], bias: v / 10, activation: 'sigmoid' as const, doc: `v${v}` });
  await seedProduction(base, 'bench', [spec(1), spec(2)]);
  const cli = (...args: string[]) => [MAIN, '--url', base, ...args];

  const results: Record<string, Sample[]> = {};
  const cases: Array<[string, () => Promise<Sample>]> = [
    ['node -e 0 (floor)', () => timeCommand(['-e', '0'])],
    ['stagecraft --help', () => timeCommand([MAIN, '--help'])],
    ['stagecraft models list', () => timeCommand(cli('models', 'list'))],
    ['stagecraft rollback --to N --force', () => timeCommand(cli('rollback', 'bench', '--to', String(rollbackTo()), '--force', '--reason', 'bench'))],
    ['bare Fastify: start → first answer', bareStart],
    ['stagecraft server (empty data dir): start → first answer', () => stagecraftStart()],
  ];
  if (COMPARE) cases.push([`server of ${COMPARE} (empty data dir): start → first answer`, () => stagecraftStart(path.resolve(COMPARE))]);
  let to = 2;
  const rollbackTo = () => (to = to === 2 ? 1 : 2);
  for (let round = 0; round < RUNS; round++) {
    for (const [name, measure] of cases) (results[name] ??= []).push(await measure());
  }
  await stop(server);
  removeBenchTempDir(tmp);

  const floor = median(results['node -e 0 (floor)'].map((s) => s.cpuMs));
  const bare = median(results['bare Fastify: start → first answer'].map((s) => s.wallMs));
  console.log(`\nbench:startup — ${RUNS} interleaved rounds, medians; ${MAIN}`);
  console.log(`node ${process.version}, ${os.cpus().length} CPUs, load average ${load0.map((l) => l.toFixed(2)).join(' ')} → ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  console.log('| case | process time (CPU) | wall | ratio |');
  console.log('| --- | --- | --- | --- |');
  for (const [name] of cases) {
    const cpu = median(results[name].map((s) => s.cpuMs));
    const wall = median(results[name].map((s) => s.wallMs));
    const ratio = name.includes('first answer') ? `${(wall / bare).toFixed(2)}× bare Fastify (wall)` : `${(cpu / floor).toFixed(2)}× node -e 0 (CPU)`;
    console.log(`| ${name} | ${cpu.toFixed(0)} ms | ${wall.toFixed(0)} ms | ${ratio} |`);
  }
}

await main();
