// npm run bench:serving-binary — Open Inference Protocol v2 inference of 100- and 1,000-row
// requests as JSON, as binary tensors (the binary data extension, binary in and out) and over gRPC
// (raw_input_contents), on one gateway in the same run, alternated, best of two rounds each. The
// load comes from another process (bench/closed-loop.ts), closed loop, the same generator for all.
// Flags: --duration S (seconds per round, default 3), --connections N (default 8), --only json|binary|grpc.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { defaultConfig } from '../src/config.js';
import { createDeps } from '../src/deps.js';
import { createLogger } from '../src/log.js';
import { denseModelOnnx, type DenseModelSpec } from '../src/onnx/onnx-builder.js';
import { buildServer, serverExtensions } from '../src/server.js';
import { bareRoute } from './bare-route.js';
import type { LoadSpec } from './closed-loop.js';
import { benchTempDir, flag, seedProduction } from './harness.js';

const DURATION = Number(flag('duration', '3'));
const CONNECTIONS = Number(flag('connections', '8'));
/** --only grpc (or json, binary): one kind of request, e.g. to profile it alone. */
const ONLY = flag('only', null);
const KINDS = (['json', 'binary', 'grpc'] as const).filter((k) => ONLY === null || k === ONLY);
const FEATURES = 8;
const spec: DenseModelSpec = { weights: [0.1, -0.2, 0.3, 0.05, -0.4, 0.6, 0.7, -0.8], bias: 0.1, activation: 'sigmoid' };

interface Load {
  /** Server process CPU (all its threads, ONNX Runtime's included) per request, µs: robust to a busy box. */
  cpuUs?: number;
  /** How busy the server's event loop was (0-1): low means the load generator, not the server, set the pace. */
  elu?: number;
  rps: number;
  total: number;
  errors: number;
  p50: number;
  p99: number;
}

/** A round of load, with the CPU this (server) process spent per answered request. */
async function load(s: Omit<LoadSpec, 'duration' | 'connections'>): Promise<Load> {
  const before = process.cpuUsage();
  const elu = performance.eventLoopUtilization();
  const l = await loadRound(s);
  const used = process.cpuUsage(before);
  return { ...l, cpuUs: (used.user + used.system) / Math.max(1, l.total), elu: performance.eventLoopUtilization(elu).utilization };
}

function loadRound(s: Omit<LoadSpec, 'duration' | 'connections'>): Promise<Load> {
  const child = fileURLToPath(new URL('./closed-loop.ts', import.meta.url));
  // The spec travels in a file: a 1,000-row body is too long for a command line.
  const file = path.join(os.tmpdir(), `sc-bench-load-${process.pid}.json`);
  fs.writeFileSync(file, JSON.stringify({ ...s, duration: DURATION, connections: CONNECTIONS }));
  return new Promise<Load>((resolve, reject) =>
    execFile(process.execPath, [...process.execArgv, child, file], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout.trim().split('\n').pop()!) as Load))),
  ).finally(() => fs.rmSync(file, { force: true }));
}

function requests(rows: number, base: string, grpcPort: number) {
  const values = Array.from({ length: rows * FEATURES }, (_, i) => ((i * 37) % 101) / 50 - 1);
  const url = `${base}/v2/models/bench/infer`;
  const jsonBody = Buffer.from(JSON.stringify({ inputs: [{ name: 'input', shape: [rows, FEATURES], datatype: 'FP32', data: values }] }));
  const tensor = Buffer.from(new Float32Array(values).buffer);
  const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'input', shape: [rows, FEATURES], datatype: 'FP32', parameters: { binary_data_size: tensor.length } }], parameters: { binary_data_output: true } }));
  return {
    json: { kind: 'http' as const, url, bodyBase64: jsonBody.toString('base64'), headers: { 'content-type': 'application/json' } },
    binary: {
      kind: 'http' as const,
      url,
      bodyBase64: Buffer.concat([header, tensor]).toString('base64'),
      headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
    },
    grpc: {
      kind: 'grpc' as const,
      port: grpcPort,
      request: { model_name: 'bench', inputs: [{ name: 'input', datatype: 'FP32', shape: [rows, FEATURES] }], raw_input_contents: [tensor.toString('base64')] },
    },
    bytes: { json: jsonBody.length, binary: header.length + tensor.length },
  };
}

async function main() {
  console.log(`bench:serving-binary — ${os.cpus().length} CPUs, node ${process.version}, ${DURATION}s x ${CONNECTIONS} connections per round, best of 2 alternated rounds`);
  const dataDir = benchTempDir('sc-bench-binary-');
  const log = createLogger('silent');
  const deps = await createDeps({ ...defaultConfig(), dataDir, logLevel: 'silent' }, { log });
  const ext = serverExtensions({ serving: { grpc: { host: '127.0.0.1', port: 0 } } });
  const { app } = await buildServer(deps, ext.pick('serving', 'observe'));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  await seedProduction(base, 'bench', [spec]);
  for (let i = 0; i < 500 && !ext.serving.gateway().slots.get('bench')?.current; i++) await new Promise((r) => setTimeout(r, 10));
  const grpcPort = ext.serving.grpcPort()!;
  const best = (a: Load, b: Load) => (a.rps >= b.rps ? a : b);

  // The ceiling of any body form: the bare route (bench/bare-route.ts, same model) answering ONE
  // row as JSON — no parsing to speak of, no registry, no monitoring. A 100-row request in any form
  // cannot be cheaper than that, so JSON's throughput times this ratio bounds what binary can reach.
  const bare = await bareRoute(denseModelOnnx(spec), '/v2/models/bench/infer');
  const oneRow = { ...requests(1, bare.url, grpcPort).json };
  const ceiling = ONLY ? null : best(await load(oneRow), await load(oneRow));
  await bare.app.close();
  await bare.session.release();
  if (ceiling) console.log(`\nceiling: the bare route answering 1 row as JSON: ${ceiling.rps.toFixed(0)} req/s, server CPU ${ceiling.cpuUs!.toFixed(0)} µs/request`);

  for (const rows of [100, 1000]) {
    const r = requests(rows, base, grpcPort);
    const rounds: Record<'json' | 'binary' | 'grpc', Load[]> = { json: [], binary: [], grpc: [] };
    for (let round = 0; round < 2; round++) for (const kind of KINDS) rounds[kind].push(await load(r[kind]));
    if (ONLY) {
      const l = best(rounds[ONLY as 'json'][0], rounds[ONLY as 'json'][1]);
      console.log(`\n${rows} rows, ${ONLY} only: ${l.rps.toFixed(0)} req/s, server CPU ${l.cpuUs!.toFixed(0)} µs/request, event loop ${(100 * l.elu!).toFixed(0)}% busy`);
      continue;
    }
    const [json, binary, grpc] = (['json', 'binary', 'grpc'] as const).map((k) => best(rounds[k][0], rounds[k][1]));
    const line = (name: string, l: Load) => `  ${name.padEnd(22)}: ${l.rps.toFixed(0).padStart(6)} req/s (${((l.rps * rows) / 1000).toFixed(0)}k rows/s), p50 ${l.p50.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms, server CPU ${l.cpuUs!.toFixed(0)} µs/request, event loop ${(100 * l.elu!).toFixed(0)}% busy, errors ${l.errors}`;
    console.log(`\n${rows} rows x ${FEATURES} FP32 features (body: JSON ${r.bytes.json} B, binary ${r.bytes.binary} B)`);
    console.log(line('JSON', json));
    const vs = (l: Load) => `  -> ${(l.rps / json.rps).toFixed(2)}x JSON throughput, ${(json.cpuUs! / l.cpuUs!).toFixed(2)}x less server CPU per request`;
    console.log(`${line('binary (in and out)', binary)}${vs(binary)}`);
    console.log(`${line('gRPC raw contents', grpc)}${vs(grpc)}`);
    console.log(`  ceiling (the bare route's 1-row req/s): ${(ceiling!.rps / json.rps).toFixed(2)}x this size's JSON throughput`);
  }
  await app.close();
  await deps.close();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
