// Gateway tuning, with defaults that suit the embedded single-process setup.
import os from 'node:os';
import type { GatewayFollower } from './follower.js';
import { defaultPoolOptions } from './runtimes/inference-pool.js';
import type { InferenceObserver } from './observer.js';
import { defaultPythonOptions, type PythonRuntimeOptions } from './runtimes/python-options.js';

/** With the Python runtime's settings (runtimes/python-options.ts): interpreter, load timeout, wire encoding, directory. */
export interface GatewayOptions extends PythonRuntimeOptions {
  /** Names this gateway in heartbeats and `stagecraft status`. */
  replicaId: string;
  /** Where this replica answers, shown in status (null for the in-process gateway). */
  url: string | null;
  /** Requests running at once per model; more wait in its queue. */
  concurrency: number;
  /** Requests waiting per model before it answers 503 with Retry-After. */
  queue: number;
  /** How long a request may wait in its model's queue before it is answered 503 with Retry-After (a queue timeout). */
  queueTimeoutMs: number;
  /** How long a replaced version stays loaded as warm standby (a rollback to it is a pointer flip). */
  standbyMs: number;
  /** Estimated bytes of loaded models past which the oldest idle standbys are released first. */
  memoryBudgetBytes: number;
  heartbeatMs: number;
  /** ONNX models at least this large load and run in the worker pool, so loading never stalls the event loop. */
  offThreadBytes: number;
  /**
   * A smaller ONNX model runs in-process until its runs average more than this (ms), then moves to
   * the worker pool: in-process runs hold the event loop every other model's requests need. 0: every
   * ONNX model runs in the pool.
   */
  inlineMaxMs: number;
  /** Worker threads of the inference pool (default: one per core). */
  poolSize: number;
  /** Pool workers one model may occupy at once (default: all but one), so another model always finds one. */
  modelWorkers: number;
  /** How far below the event loop the pool's workers run (nice increment 0-19, Linux; default 10). */
  poolNice: number;
  observers: InferenceObserver[];
  /** Told every registry event this gateway follows, after its own pointers (rollouts install traffic policies). */
  followers: GatewayFollower[];
}

export function defaultGatewayOptions(overrides: Partial<GatewayOptions> = {}): GatewayOptions {
  return {
    replicaId: `${os.hostname()}-${process.pid}`,
    url: null,
    concurrency: 16,
    queue: 64,
    queueTimeoutMs: 3000,
    standbyMs: 30 * 60_000,
    memoryBudgetBytes: 2 * 1024 ** 3,
    heartbeatMs: 2000,
    offThreadBytes: 8 * 1024 ** 2,
    inlineMaxMs: 0.3,
    ...poolDefaults(),
    ...defaultPythonOptions(),
    observers: [],
    followers: [],
    ...overrides,
  };
}

function poolDefaults(): Pick<GatewayOptions, 'poolSize' | 'modelWorkers' | 'poolNice'> {
  const { size, modelWorkers, nice } = defaultPoolOptions(os.availableParallelism());
  return { poolSize: size, modelWorkers, poolNice: nice ?? 0 };
}
