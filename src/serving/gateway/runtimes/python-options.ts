// The Python runtime's settings and what a load needs from the gateway. Defaults: python3 on PATH
// (the server and gateway commands pass --python or STAGECRAFT_PYTHON through the config), and model
// directories under the system's temporary directory, one folder per gateway process.
import os from 'node:os';
import path from 'node:path';
import { defaultConfig } from '../../../config.js';
import type { Logger } from '../../../log.js';
import type { SaveFile } from './python-materialize.js';
import type { FrameEncoding } from './python-worker-frames.js';

export interface PythonRuntimeOptions {
  /** The interpreter the workers run (--python, STAGECRAFT_PYTHON; default python3). */
  python: string;
  /** A worker that has not loaded its model within this is killed and the load fails. */
  pythonLoadTimeoutMs: number;
  /** How tensors travel to and from workers. */
  pythonEncoding: FrameEncoding;
  /** Where versions' model directories are written. */
  pythonDir: string;
  /** Worker processes per loaded version (--python-workers, STAGECRAFT_PYTHON_WORKERS; default 1). */
  pythonWorkers: number;
  /** Micro-batching: most rows one combined predict call carries (0: off). python-batch.ts. */
  pythonBatchRows: number;
  /** Micro-batching: longest a request waits for others while every worker is busy (0: off). */
  pythonBatchWaitMs: number;
  /** A worker whose resident memory passes this is replaced, then closed once drained (0: no limit). */
  pythonWorkerMaxRssBytes: number;
}

export interface PythonLoadContext {
  saveFile: SaveFile;
  log: Logger;
  /** Told each time a worker of a version is replaced (it died, or outgrew its memory limit). */
  onRestart?: (model: string, version: number) => void;
}

export function defaultPythonOptions(): PythonRuntimeOptions {
  return {
    python: 'python3',
    pythonLoadTimeoutMs: 120_000,
    pythonEncoding: 'raw',
    pythonDir: path.join(os.tmpdir(), `stagecraft-python-${process.pid}`),
    pythonWorkers: 1,
    // One definition with the server's and gateway's flags (config.ts): batching gathers only while
    // every worker is busy, so these cost an unloaded version nothing.
    pythonBatchRows: defaultConfig().pythonBatchRows,
    pythonBatchWaitMs: defaultConfig().pythonBatchWaitMs,
    pythonWorkerMaxRssBytes: 0,
  };
}
