// One Python worker process (python/stagecraft_worker.py) serving one MLflow model directory:
// started in its own process group, spoken to over its stdin/stdout in frames with request ids
// (python-worker-frames.ts), its stderr logged line by line with the model and version.
// It never outlives the gateway: close() ends its stdin and then kills the group; a gateway that
// exits kills every live group ('exit' handler); a gateway killed outright closes the pipe, and the
// worker exits on EOF (or when it sees its parent change).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../../log.js';
import { encodeFrame, FrameReader, type Frame } from './python-worker-frames.js';

/** The worker is gone (crashed, killed): requests on it may be retried on a fresh one. */
export class WorkerGone extends Error {}

/** The model could not be loaded: the worker's own account, with the last lines of the traceback. */
export class PythonLoadError extends Error {}

export interface WorkerStart {
  python: string;
  dir: string;
  loadTimeoutMs: number;
  log: Logger;
  /** For the log lines: which model and version this worker serves. */
  model: string;
  version: number;
}

const live = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of live) killGroup(pid);
  });
}

/** python/stagecraft_worker.py, from the sources (src/…) or the build (dist/src/…). */
export function workerScript(): string {
  for (const up of ['../../../../', '../../../../../']) {
    const p = fileURLToPath(new URL(`${up}python/stagecraft_worker.py`, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error('python/stagecraft_worker.py is missing from this installation');
}

const STDERR_KEEP = 40;

export class PythonWorker {
  readonly pid: number;
  /** What the worker reported once loaded (signature, input example, versions). */
  info: Record<string, unknown> = {};
  exited = false;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, { resolve: (f: Frame) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private readonly stderrTail: string[] = [];
  private partialLine = '';
  private readonly exitListeners: Array<(why: string) => void> = [];
  private drainWaiters: Array<() => void> = [];

  private constructor(private readonly start: WorkerStart) {
    installExitHook();
    this.child = spawn(start.python, [workerScript(), start.dir], {
      cwd: start.dir,
      detached: true, // its own process group: killed as one, never by a signal meant for the gateway's group
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
    });
    this.pid = this.child.pid ?? -1;
    if (this.pid > 0) live.add(this.pid);
    this.child.stdin.on('error', () => {}); // a dead worker's pipe: its exit is handled below
    this.child.stderr.on('data', (chunk: Buffer) => this.stderr(chunk.toString('utf8')));
  }

  /** Starts a worker and resolves once its model is loaded; rejects (and leaves nothing running) otherwise. */
  static async start(start: WorkerStart): Promise<PythonWorker> {
    const w = new PythonWorker(start);
    try {
      w.info = await w.ready();
    } catch (err) {
      w.kill();
      throw err;
    }
    w.listen();
    return w;
  }

  private ready(): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const reader = new FrameReader();
      const timer = setTimeout(() => reject(new PythonLoadError(`loading took longer than ${this.start.loadTimeoutMs} ms (load timeout)`)), this.start.loadTimeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.child.stdout.off('data', onData);
        this.child.off('exit', onExit);
        this.child.off('error', onError);
      };
      const onData = (chunk: Buffer) => {
        // Nothing follows the first frame before the gateway's first request.
        const [first] = reader.push(chunk);
        if (!first) return;
        done();
        const h = first.header;
        if (h.op === 'ready') resolve(h);
        else reject(new PythonLoadError(`${String(h.error)}\n${tail(String(h.traceback ?? ''), 12)}`));
      };
      const onExit = (code: number | null, signal: string | null) => {
        done();
        reject(new PythonLoadError(`the worker exited (${signal ?? `code ${code}`}) before loading the model: ${this.stderrTail.slice(-12).join('\n') || 'no output'}`));
      };
      const onError = (err: Error) => {
        done();
        reject(new PythonLoadError(`could not start ${this.start.python}: ${err.message}`));
      };
      this.child.stdout.on('data', onData);
      this.child.once('exit', onExit);
      this.child.once('error', onError);
    });
  }

  private listen(): void {
    const reader = new FrameReader();
    this.child.stdout.on('data', (chunk: Buffer) => {
      for (const f of reader.push(chunk)) {
        const id = Number(f.header.id);
        const p = this.pending.get(id);
        if (!p) continue;
        this.pending.delete(id);
        p.resolve(f);
        if (this.pending.size === 0 && this.drainWaiters.length) this.wakeDrained();
      }
    });
    this.child.once('exit', (code, signal) => {
      this.exited = true;
      live.delete(this.pid);
      const why = signal ? `killed by ${signal}` : `exited with code ${code}`;
      const gone = new WorkerGone(`the Python worker (pid ${this.pid}) ${why}`);
      for (const p of this.pending.values()) p.reject(gone);
      this.pending.clear();
      this.wakeDrained();
      for (const l of this.exitListeners) l(why);
    });
  }

  /** Called once if the worker exits after it was ready (not when close() ended it: listeners check). */
  onExit(listener: (why: string) => void): void {
    this.exitListeners.push(listener);
  }

  request(header: Record<string, unknown>, payload: Buffer | null = null): Promise<Frame> {
    if (this.exited) return Promise.reject(new WorkerGone(`the Python worker (pid ${this.pid}) is gone`));
    const id = this.nextId++;
    return new Promise<Frame>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin.write(encodeFrame({ ...header, id }, payload));
    });
  }

  /** Resolves once nothing is in flight on it (at once when nothing is). */
  drained(): Promise<void> {
    if (this.pending.size === 0 || this.exited) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private wakeDrained(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  get inflight(): number {
    return this.pending.size;
  }

  /** Resident memory (VmRSS) in bytes; 0 when it cannot be read (gone, or not Linux). */
  rss(): number {
    try {
      const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : 0;
    } catch {
      return 0;
    }
  }

  /** Ends its stdin (it exits on EOF), then kills its group if it has not gone within graceMs. */
  async close(graceMs = 2000): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.kill(), graceMs);
    await exited;
    clearTimeout(timer);
    killGroup(this.pid); // anything the model started in its group goes too
  }

  kill(): void {
    if (this.pid > 0) killGroup(this.pid);
  }

  private stderr(text: string): void {
    const lines = (this.partialLine + text).split('\n');
    this.partialLine = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      this.stderrTail.push(line);
      if (this.stderrTail.length > STDERR_KEEP) this.stderrTail.shift();
      this.start.log.info({ model: this.start.model, version: this.start.version, pid: this.pid, stream: 'stderr' }, line);
    }
  }
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
