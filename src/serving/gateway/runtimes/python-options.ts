// The Python runtime's defaults: the interpreter from STAGECRAFT_PYTHON (else python3 on PATH),
// and model directories under the system's temporary directory, one folder per gateway process.
import os from 'node:os';
import path from 'node:path';
import type { PythonRuntimeOptions } from './python-runtime.js';

export function defaultPythonOptions(env: NodeJS.ProcessEnv = process.env): PythonRuntimeOptions {
  return {
    python: env.STAGECRAFT_PYTHON || 'python3',
    pythonLoadTimeoutMs: 120_000,
    pythonEncoding: 'raw',
    pythonDir: path.join(os.tmpdir(), `stagecraft-python-${process.pid}`),
  };
}
