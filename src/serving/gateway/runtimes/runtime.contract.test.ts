// One contract for every model runtime: same inputs, same outputs; failures reject; close releases.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { denseModelOnnx, denseModelPredict, type DenseModelSpec } from '../../../onnx/onnx-builder.js';
import { readOnnxSignature } from '../../../onnx/onnx-signature.js';
import { jsonData, nest } from './tensors.js';
import { loadHttpRuntime } from './http-runtime.js';
import { loadOnnxRuntime } from './onnx-runtime.js';
import { InferencePool } from './inference-pool.js';
import { loadAdaptiveOnnx, loadOnnxInPool } from './onnx-pool-runtime.js';
import type { ModelRuntime } from './runtime.js';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createLogger } from '../../../log.js';
import { loadPythonRuntime } from './python-runtime.js';
import { defaultPythonOptions } from './python-options.js';
import { dirFiles, makePythonModels, PYTHON, PYTHON_SKIP, usePythonEnv } from '../../../../test/python-models.js';
import { tempDir } from '../../../../test/databases.js';

const spec: DenseModelSpec = { weights: [0.4, -0.7, 1.1], bias: -0.2, activation: 'sigmoid' };
const bytes = denseModelOnnx(spec);
const signature = readOnnxSignature(bytes);
const rows = [
  [1, 2, 3],
  [0, -1, 0.5],
];

/** An external model server speaking both wire formats the http runtime uses, computing by hand. */
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const parsed = JSON.parse(body);
    res.setHeader('content-type', 'application/json');
    if (req.url?.endsWith('/invocations')) {
      res.end(JSON.stringify({ predictions: (parsed.inputs as number[][]).map((r) => denseModelPredict(spec, r)) }));
      return;
    }
    const input = parsed.inputs[0];
    const data = nest(input.data, input.shape) as number[][];
    const out = data.map((r) => denseModelPredict(spec, r));
    res.end(JSON.stringify({ outputs: [{ name: 'probability', shape: [out.length, 1], datatype: 'FP64', data: out }] }));
  });
});
const base = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const runtimes: Array<[string, () => Promise<ModelRuntime>]> = [
  ['onnx', () => loadOnnxRuntime(bytes, signature)],
  ['onnx (worker pool)', () => loadOnnxInPool(new InferencePool({ size: 2, modelWorkers: 1 }), bytes, signature)],
  // inlineMaxMs 0: it moves to the pool after its first timed runs; the contract holds on both sides.
  ['onnx (adaptive, moved to the pool)', () => loadAdaptiveOnnx(new InferencePool({ size: 1, modelWorkers: 1 }), bytes, signature, 0)],
  ['http (Open Inference Protocol)', () => loadHttpRuntime(`${base()}/v2/models/m/infer`)],
  ['http (MLflow invocations)', () => loadHttpRuntime(`${base()}/invocations`)],
  // An MLflow pyfunc model computing the same function, in a Python worker (real MLflow; skipped without it).
  ...(PYTHON_SKIP === null ? [['python (MLflow pyfunc worker)', () => loadDensePython()] as [string, () => Promise<ModelRuntime>]] : []),
];

let pythonModels: string | null = null;

/** test/fixtures/make_python_models.py's `dense` model, loaded from a verified copy as the gateway does. */
async function loadDensePython(): Promise<ModelRuntime> {
  usePythonEnv();
  pythonModels ??= makePythonModels().dir;
  const files = Object.entries(dirFiles(path.join(pythonModels, 'dense'))).map(([p, b]) => ({ path: p, sha256: createHash('sha256').update(b).digest('hex'), size: b.length }));
  const spec = { model: 'dense', version: 1, runtime: 'python' as const, endpointUrl: null, signature: null, featureNames: null, modelFile: null, python: { root: '', files } };
  const saveFile = async (_s: unknown, f: { path: string }, target: string) => fs.copyFileSync(path.join(pythonModels!, 'dense', f.path), target);
  return loadPythonRuntime(spec, { ...defaultPythonOptions(), python: PYTHON, pythonLoadTimeoutMs: 120_000, pythonEncoding: 'raw', pythonDir: tempDir('stagecraft-contract-py-') }, { saveFile, log: createLogger('silent') });
}

beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)));
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe.each(runtimes)('the %s runtime', (_name, load) => {
  it('answers the hand-computed prediction per row, leaves its inputs alone, and closes', { timeout: 300_000 }, async () => {
    const runtime = await load();
    const data = Float32Array.from(rows.flat());
    const out = await runtime.run({ input: { type: 'float32', dims: [2, 3], data } });
    const [name] = Object.keys(out);
    expect(out[name].dims).toEqual([2, 1]);
    jsonData(out[name]).forEach((p, i) => expect(Math.abs(Number(p) - denseModelPredict(spec, rows[i]))).toBeLessThan(1e-5));
    expect(Array.from(data)).toEqual(Array.from(Float32Array.from(rows.flat())));
    await runtime.close();
  });
});

describe('the adaptive onnx runtime', () => {
  it('answers the same before, while and after it moves to the pool, and closes', async () => {
    const runtime = await loadAdaptiveOnnx(new InferencePool({ size: 1, modelWorkers: 1 }), bytes, signature, 0);
    const check = async () => {
      const out = await runtime.run({ input: { type: 'float32', dims: [1, 3], data: Float32Array.from(rows[0]) } });
      expect(Math.abs(Number(jsonData(out.probability)[0]) - denseModelPredict(spec, rows[0]))).toBeLessThan(1e-5);
    };
    // Two windows of 31 timed runs, one run in 4 timed (onnx-pool-runtime.ts): it moves after 248.
    for (let i = 0; i < 260; i++) await check();
    await Promise.all(Array.from({ length: 8 }, check));
    await new Promise((res) => setTimeout(res, 200));
    await Promise.all(Array.from({ length: 8 }, check));
    await runtime.close();
  });
});

describe('loading', () => {
  it('rejects bytes that are not a model instead of handing out a broken runtime', async () => {
    await expect(loadOnnxRuntime(Buffer.from('not onnx at all'), signature)).rejects.toThrow();
    await expect(loadOnnxInPool(new InferencePool({ size: 2, modelWorkers: 1 }), Buffer.from('not onnx at all'), signature)).rejects.toThrow('loading in the inference pool failed');
  });

  it.skipIf(PYTHON_SKIP !== null)('rejects a Python model that cannot load, and leaves nothing behind', { timeout: 300_000 }, async () => {
    usePythonEnv();
    pythonModels ??= makePythonModels().dir;
    const dir = path.join(pythonModels, 'missing_pkg');
    const files = Object.entries(dirFiles(dir)).map(([p, b]) => ({ path: p, sha256: createHash('sha256').update(b).digest('hex'), size: b.length }));
    const spec = { model: 'broken', version: 1, runtime: 'python' as const, endpointUrl: null, signature: null, featureNames: null, modelFile: null, python: { root: '', files } };
    const root = tempDir('stagecraft-contract-py-');
    const load = loadPythonRuntime(spec, { ...defaultPythonOptions(), python: PYTHON, pythonLoadTimeoutMs: 120_000, pythonEncoding: 'raw', pythonDir: root }, {
      saveFile: async (_s, f, target) => fs.copyFileSync(path.join(dir, f.path), target),
      log: createLogger('silent'),
    });
    await expect(load).rejects.toThrow("No module named 'stagecraft_not_installed_pkg'");
    expect(fs.readdirSync(root)).toEqual([]); // its model directory is gone too
  });

  it('rejects a run when the external model server cannot be reached', async () => {
    const runtime = await loadHttpRuntime('http://127.0.0.1:1/v2/models/m/infer');
    await expect(runtime.run({ input: { type: 'float32', dims: [1, 3], data: Float32Array.from(rows[0]) } })).rejects.toThrow();
  });
});
