// Which runtime a version gets. HTTP versions forward to their endpoint; MLflow model directories
// run in a Python worker (python-runtime.ts). ONNX versions as large as
// offThreadBytes load straight into the gateway's worker pool (creating a big session would stall the
// event loop); smaller ones start in-process and move to the pool once their runs average more than
// inlineMaxMs (onnx-pool-runtime.ts). One pool per gateway (its options object), started on first use.
import type { GatewayOptions } from '../gateway-options.js';
import type { VersionSpec } from './runtime.js';
import { loadHttpRuntime } from './http-runtime.js';
import { InferencePool } from './inference-pool.js';
import { loadAdaptiveOnnx, loadOnnxInPool } from './onnx-pool-runtime.js';
import type { ModelRuntime } from './runtime.js';
import { defaultPythonOptions, type PythonLoadContext, type PythonRuntimeOptions } from './python-options.js';
import { loadPythonRuntime } from './python-runtime.js';

/** The Python settings the options carry (an undefined one keeps its default). */
function definedOnly(options: RuntimeOptions): Partial<PythonRuntimeOptions> {
  const out: Partial<PythonRuntimeOptions> = {};
  if (options.python !== undefined) out.python = options.python;
  if (options.pythonLoadTimeoutMs !== undefined) out.pythonLoadTimeoutMs = options.pythonLoadTimeoutMs;
  if (options.pythonEncoding !== undefined) out.pythonEncoding = options.pythonEncoding;
  if (options.pythonDir !== undefined) out.pythonDir = options.pythonDir;
  if (options.pythonWorkers !== undefined) out.pythonWorkers = options.pythonWorkers;
  if (options.pythonBatchRows !== undefined) out.pythonBatchRows = options.pythonBatchRows;
  if (options.pythonBatchWaitMs !== undefined) out.pythonBatchWaitMs = options.pythonBatchWaitMs;
  if (options.pythonWorkerMaxRssBytes !== undefined) out.pythonWorkerMaxRssBytes = options.pythonWorkerMaxRssBytes;
  return out;
}

export type RuntimeOptions = Pick<GatewayOptions, 'offThreadBytes' | 'inlineMaxMs' | 'poolSize' | 'modelWorkers' | 'poolNice'> & Partial<PythonRuntimeOptions>;

const pools = new WeakMap<RuntimeOptions, InferencePool>();

function poolFor(options: RuntimeOptions): InferencePool {
  let pool = pools.get(options);
  if (!pool) pools.set(options, (pool = new InferencePool({ size: Math.max(1, options.poolSize), modelWorkers: Math.max(1, options.modelWorkers), nice: options.poolNice })));
  return pool;
}

export async function loadVersionRuntime(spec: VersionSpec, bytes: Uint8Array | null, options: RuntimeOptions, python?: PythonLoadContext): Promise<ModelRuntime> {
  if (spec.runtime === 'http') return loadHttpRuntime(spec.endpointUrl!);
  if (spec.runtime === 'python') {
    if (!python) throw new Error(`version ${spec.version} of "${spec.model}" is a Python model, and this gateway cannot fetch its files`);
    return loadPythonRuntime(spec, { ...defaultPythonOptions(), ...definedOnly(options) }, python);
  }
  if (bytes!.length >= options.offThreadBytes || options.inlineMaxMs <= 0) return loadOnnxInPool(poolFor(options), bytes!, spec.signature!);
  return loadAdaptiveOnnx(poolFor(options), bytes!, spec.signature!, options.inlineMaxMs);
}
