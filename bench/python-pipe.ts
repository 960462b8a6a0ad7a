// npx tsx bench/python-pipe.ts [MODEL_DIR] — where a 1-row request's time goes between the gateway and
// its Python worker (docs/benchmarks.md, "where the overhead goes"). Two measurements, serial, p50:
// 1. the floor: a bare echo process answering the same frames over the same stdio (libuv makes
//    stdio a Unix socketpair, so this is also what a Unix domain socket would cost);
// 2. a real worker (iris_a: 4 float64 columns, a class label out): the round trip split by clock
//    readings both sides take on CLOCK_MONOTONIC (process.hrtime / time.monotonic_ns), sent back in a
//    debug field — Node to Python (frame out, wake-up, read, header JSON), inside the worker, Python
//    to Node (answer JSON, write, wake-up, frame parse, promise). The worker adds the field only when
//    STAGECRAFT_WORKER_CLOCK=1 (set here).
// Needs STAGECRAFT_PYTHON (default /usr/bin/python3) and a PYTHONPATH with mlflow (../shared/mlflow/env-3.sh).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../src/log.js';
import { decodeTensors, encodeFrame, encodeTensors, FrameReader, type TensorHeader } from '../src/serving/gateway/runtimes/python-worker-frames.js';
import { PythonWorker } from '../src/serving/gateway/runtimes/python-worker-process.js';

const python = process.env.STAGECRAFT_PYTHON ?? '/usr/bin/python3';
const N = 3000;
const WARM = 500;
const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const ms = (x: number) => `${x.toFixed(3)} ms`;

function modelDir(): string {
  if (process.argv[2]) return process.argv[2];
  const out = path.join(os.tmpdir(), 'stagecraft-bench-python-models');
  if (!fs.existsSync(path.join(out, 'expected.json'))) execFileSync(python, [path.resolve('test/fixtures/make_python_models.py'), out], { stdio: 'inherit' });
  return path.join(out, 'iris_a');
}

const ECHO = `
import json, os, struct, sys
inp, out = sys.stdin.buffer, os.fdopen(os.dup(1), 'wb')
while True:
    head = inp.read(8)
    if not head: os._exit(0)
    total, hlen = struct.unpack('>II', head)
    h = json.loads(inp.read(total - 4)[:hlen])
    b = json.dumps({'id': h['id'], 'ok': True}).encode()
    out.write(struct.pack('>II', 4 + len(b), len(b)) + b); out.flush()
`;

async function echoFloor(): Promise<number> {
  const child = spawn(python, ['-c', ECHO], { stdio: ['pipe', 'pipe', 'inherit'] });
  const reader = new FrameReader();
  let answered: (() => void) | null = null;
  child.stdout.on('data', (b: Buffer) => reader.push(b).forEach(() => answered?.()));
  const times: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      answered = resolve;
      child.stdin.write(encodeFrame({ id: i, op: 'predict', inputs: [{ name: 'x', type: 'float64', dims: [1, 4], enc: 'raw', offset: 0, length: 32 }] }, Buffer.alloc(32)));
    });
    if (i >= WARM) times.push(performance.now() - t0);
  }
  child.kill();
  return p50(times);
}

async function workerSplit(dir: string) {
  process.env.STAGECRAFT_WORKER_CLOCK = '1';
  const w = await PythonWorker.start({ python, dir, loadTimeoutMs: 120_000, log: createLogger('silent'), model: 'bench', version: 1 });
  const columns = ['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)'];
  const feeds = Object.fromEntries(columns.map((c, i) => [c, { type: 'float64', dims: [1], data: Float64Array.of(1 + i) }]));
  const parts: Record<'toPython' | 'inWorker' | 'predict' | 'toNode' | 'total', number[]> = { toPython: [], inWorker: [], predict: [], toNode: [], total: [] };
  for (let i = 0; i < N; i++) {
    const t0 = process.hrtime.bigint();
    const { inputs, payload } = encodeTensors(feeds, 'raw');
    const f = await w.request({ op: 'predict', enc: 'raw', inputs }, payload);
    const t1 = process.hrtime.bigint();
    decodeTensors(f.header.outputs as TensorHeader[], f.payload);
    const t2 = process.hrtime.bigint();
    if (i < WARM) continue;
    const [read, written] = (f.header.clock as [number, number]).map(BigInt);
    parts.toPython.push(Number(read - t0) / 1e6);
    parts.inWorker.push(Number(written - read) / 1e6);
    parts.predict.push(Number(f.header.predict_us) / 1000);
    parts.toNode.push(Number(t1 - written) / 1e6);
    parts.total.push(Number(t2 - t0) / 1e6);
  }
  await w.close();
  return Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, p50(v)])) as Record<keyof typeof parts, number>;
}

const floor = await echoFloor();
const s = await workerSplit(modelDir());
console.log(`bench:python-pipe — ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)}, ${N - WARM} serial 1-row requests, p50`);
console.log(`bare echo round trip (same frames, same stdio socketpair): ${ms(floor)}`);
console.log(`real worker: total ${ms(s.total)} = Node -> Python ${ms(s.toPython)} + in the worker ${ms(s.inWorker)} (predict ${ms(s.predict)}) + Python -> Node ${ms(s.toNode)}`);
