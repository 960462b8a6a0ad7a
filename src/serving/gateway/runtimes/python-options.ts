// The Python runtime's defaults: python3 on PATH (the server and gateway commands pass --python or
// STAGECRAFT_PYTHON through the config), and model directories under the system's temporary
// directory, one folder per gateway process.
import os from 'node:os';
import path from 'node:path';
import type { PythonRuntimeOptions } from './python-runtime.js';

export function defaultPythonOptions(): PythonRuntimeOptions {
  return {
    python: 'python3',
    pythonLoadTimeoutMs: 120_000,
    pythonEncoding: 'raw',
    pythonDir: path.join(os.tmpdir(), `stagecraft-python-${process.pid}`),
    pythonWorkers: 1,
    // Measured by bench/python.ts (docs/benchmarks.md): batching gathers only while every worker is
    // busy, so these cost an unloaded version nothing.
    pythonBatchRows: 256,
    pythonBatchWaitMs: 2,
    pythonWorkerMaxRssBytes: 0,
  };
}
