// npx tsx bench/python-frames.ts [MODEL_DIR] — the gateway <-> Python worker encoding, measured:
// JSON tensors in the frame header vs raw little-endian bytes in the frame payload, for 1-row and
// 1,000-row requests, round trip through a real worker (mlflow.pyfunc, a scikit-learn model served
// with predict_proba: 4 float64 columns in, 3 out). Prints p50/p99 per encoding and size. The model
// directory defaults to iris_b from test/fixtures/make_python_models.py (built here when absent).
// Needs STAGECRAFT_PYTHON (default /usr/bin/python3) and a PYTHONPATH with mlflow (../shared/mlflow/env-3.sh).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../src/log.js';
import { loadPythonRuntime } from '../src/serving/gateway/runtimes/python-runtime.js';
import { defaultPythonOptions } from '../src/serving/gateway/runtimes/python-options.js';
import type { FrameEncoding } from '../src/serving/gateway/runtimes/python-worker-frames.js';
import type { Tensors } from '../src/serving/gateway/runtimes/runtime.js';

const python = process.env.STAGECRAFT_PYTHON ?? '/usr/bin/python3';

function modelDir(): string {
  if (process.argv[2]) return process.argv[2];
  const out = path.join(os.tmpdir(), 'stagecraft-bench-python-models');
  if (!fs.existsSync(path.join(out, 'expected.json'))) execFileSync(python, [path.resolve('test/fixtures/make_python_models.py'), out], { stdio: 'inherit' });
  return path.join(out, 'iris_b');
}

function filesOf(dir: string) {
  return fs
    .readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .map((f) => {
      const b = fs.readFileSync(path.join(dir, f));
      return { path: f, sha256: createHash('sha256').update(b).digest('hex'), size: b.length };
    });
}

async function measure(dir: string, enc: FrameEncoding, rows: number, n: number) {
  const spec = { model: 'bench', version: 1, runtime: 'python' as const, endpointUrl: null, signature: null, featureNames: null, modelFile: null, python: { root: '', files: filesOf(dir) } };
  const rt = await loadPythonRuntime(spec, { ...defaultPythonOptions(), python, pythonLoadTimeoutMs: 120_000, pythonEncoding: enc, pythonDir: path.join(os.tmpdir(), 'stagecraft-bench-python') }, {
    saveFile: async (_s, f, target) => fs.copyFileSync(path.join(dir, f.path), target),
    log: createLogger('warn'),
  });
  const data = Float64Array.from({ length: rows * 4 }, (_, i) => 4 + (i % 7) / 3);
  const feeds: Tensors = { input: { type: 'float64', dims: [rows, 4], data } };
  for (let i = 0; i < 200; i++) await rt.run(feeds);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await rt.run(feeds);
    times.push(performance.now() - t0);
  }
  await rt.close();
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(n / 2)], p99: times[Math.floor(n * 0.99)] };
}

const dir = modelDir();
console.log('encoding  rows   p50 ms   p99 ms');
for (const rows of [1, 1000]) {
  for (const enc of ['json', 'raw'] as const) {
    const r = await measure(dir, enc, rows, rows === 1 ? 3000 : 500);
    console.log(`${enc.padEnd(8)} ${String(rows).padStart(5)} ${r.p50.toFixed(3).padStart(8)} ${r.p99.toFixed(3).padStart(8)}`);
  }
}
