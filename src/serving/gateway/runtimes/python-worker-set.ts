// The worker processes of one loaded Python version, by position (--python-workers of them), and
// what keeps them there: a worker that dies is restarted in its position (counted, logged), one that
// outgrows its memory limit is replaced (the fresh one takes new requests, the old one closes once
// it has answered what it holds), and requests go to the live worker with the fewest in flight.
// The runtime (python-runtime.ts) decides what travels to them; this file only keeps them alive.
import { AppError } from '../../../errors.js';
import type { Logger } from '../../../log.js';
import type { PythonRuntimeOptions } from './python-options.js';
import { PythonWorker } from './python-worker-process.js';
import type { VersionSpec } from './runtime.js';

/** After a restart fails, requests are answered 503 at once for this long instead of each trying again. */
const RESTART_BACKOFF_MS = 2000;
const RSS_EVERY_MS = 2000;

/** One worker position of a version: its live worker, or the one starting in its place. */
interface WorkerSlot {
  worker: PythonWorker | null;
  restarting: Promise<PythonWorker> | null;
  restartFailedAt: number;
}

export interface WorkerSetHooks {
  /** Readies a fresh worker before it takes requests (the runtime warms it). */
  warm(w: PythonWorker): Promise<void>;
  /** Told each time a worker is replaced (it died, or outgrew its memory limit). */
  onRestart?: (model: string, version: number) => void;
}

export class PythonWorkerSet {
  /** Workers replaced: they died, or outgrew the memory limit (recycles, counted here too). */
  restarts = 0;
  /** Of the restarts, those for the memory limit. */
  recycles = 0;
  private readonly slots: WorkerSlot[];
  /** Workers replaced for memory, answering what they hold before they close. */
  private readonly draining = new Set<PythonWorker>();
  private closed = false;
  private rssBytes = 0;
  private rssTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly spec: VersionSpec,
    private readonly modelDir: string,
    private readonly options: PythonRuntimeOptions,
    private readonly log: Logger,
    private readonly hooks: WorkerSetHooks,
  ) {
    this.slots = Array.from({ length: Math.max(1, options.pythonWorkers || 1) }, () => ({ worker: null, restarting: null, restartFailedAt: 0 }));
  }

  get size(): number {
    return this.slots.length;
  }

  /** Puts a started, warmed worker in its position. */
  place(index: number, w: PythonWorker): void {
    this.slots[index].worker = w;
  }

  /** Starts sampling the workers' memory (and recycling past the limit), once all are placed. */
  watchMemory(): void {
    this.sampleRss();
    this.rssTimer = setInterval(() => this.sampleRss(), RSS_EVERY_MS);
    this.rssTimer.unref();
  }

  /** A worker for position index, loaded (not yet warmed); its death restarts the position. */
  async spawn(index: number): Promise<PythonWorker> {
    const w = await PythonWorker.start({
      // A model may name its own interpreter (a virtualenv's or conda env's): tag stagecraft.python.
      python: this.spec.python?.interpreter || this.options.python,
      dir: this.modelDir,
      loadTimeoutMs: this.options.pythonLoadTimeoutMs,
      log: this.log,
      model: this.spec.model,
      version: this.spec.version,
    });
    w.onExit((why) => this.died(index, w, why));
    return w;
  }

  /** Whether some live worker has nothing in flight (then a request need not wait for a batch). */
  someIdle(): boolean {
    return this.slots.some((s) => s.worker !== null && !s.worker.exited && s.worker.inflight === 0);
  }

  /** The live worker with the fewest requests in flight; else the position whose restart to wait for. */
  pick(): Promise<PythonWorker> {
    let best: PythonWorker | null = null;
    for (const s of this.slots) {
      const w = s.worker;
      if (w && !w.exited && (!best || w.inflight < best.inflight)) best = w;
    }
    if (best) return Promise.resolve(best);
    const restarting = this.slots.findIndex((s) => s.restarting !== null);
    return this.live(restarting >= 0 ? restarting : 0);
  }

  private counted(recycle: boolean): void {
    this.restarts++;
    if (recycle) this.recycles++;
    try {
      this.hooks.onRestart?.(this.spec.model, this.spec.version);
    } catch {
      // monitoring must never break serving
    }
  }

  private died(index: number, w: PythonWorker, why: string): void {
    const slot = this.slots[index];
    if (this.closed || slot.worker !== w) return;
    slot.worker = null;
    this.counted(false);
    this.log.error({ model: this.spec.model, version: this.spec.version, pid: w.pid, why, restarts: this.restarts }, 'python worker died; restarting it');
    void this.live(index).catch(() => {});
  }

  /** Position index's running worker, or the one being started in place of a dead one. */
  private live(index: number): Promise<PythonWorker> {
    const slot = this.slots[index];
    if (slot.worker && !slot.worker.exited) return Promise.resolve(slot.worker);
    if (this.closed) return Promise.reject(new AppError('unavailable', `version ${this.spec.version} of "${this.spec.model}" is closed`));
    if (!slot.restarting) {
      if (Date.now() - slot.restartFailedAt < RESTART_BACKOFF_MS) {
        return Promise.reject(new AppError('unavailable', `the Python worker of version ${this.spec.version} of "${this.spec.model}" is restarting; retry shortly`));
      }
      slot.restarting = this.spawn(index).then(
        async (w) => {
          slot.restarting = null;
          if (this.closed) {
            await w.close();
            throw new AppError('unavailable', 'closed while restarting');
          }
          await this.hooks.warm(w).catch(() => {});
          slot.worker = w;
          this.log.info({ model: this.spec.model, version: this.spec.version, pid: w.pid }, 'python worker restarted');
          return w;
        },
        (err: Error) => {
          slot.restarting = null;
          slot.restartFailedAt = Date.now();
          this.log.error({ model: this.spec.model, version: this.spec.version, err: err.message }, 'python worker could not be restarted');
          throw new AppError('unavailable', `the Python worker of version ${this.spec.version} of "${this.spec.model}" could not be restarted: ${err.message}`);
        },
      );
    }
    return slot.restarting;
  }

  private sampleRss(): void {
    let total = 0;
    const limit = this.options.pythonWorkerMaxRssBytes;
    this.slots.forEach((slot, index) => {
      const w = slot.worker;
      const rss = w?.rss() ?? 0;
      total += rss;
      if (w && limit > 0 && rss > limit && !this.closed && !slot.restarting) this.recycle(index, w, rss);
    });
    for (const w of this.draining) total += w.rss();
    if (total > 0) this.rssBytes = total;
  }

  /**
   * Replaces a worker past the memory limit: it keeps serving while its replacement loads and warms,
   * then the replacement takes its place and it closes once it has answered what it holds.
   */
  private recycle(index: number, w: PythonWorker, rss: number): void {
    const slot = this.slots[index];
    if (slot.restarting) return;
    this.counted(true);
    this.log.warn({ model: this.spec.model, version: this.spec.version, pid: w.pid, rssBytes: rss, limitBytes: this.options.pythonWorkerMaxRssBytes }, 'python worker passed its memory limit; replacing it');
    // While this is pending, a death of the old worker waits for it (live()) instead of starting another.
    slot.restarting = this.spawn(index).then(
      async (fresh) => {
        if (this.closed) {
          slot.restarting = null;
          await fresh.close();
          throw new AppError('unavailable', 'closed while replacing a worker');
        }
        await this.hooks.warm(fresh).catch(() => {});
        slot.restarting = null;
        const old = slot.worker;
        slot.worker = fresh;
        if (old) {
          this.draining.add(old);
          void old
            .drained()
            .then(() => old.close())
            .finally(() => this.draining.delete(old));
        }
        return fresh;
      },
      (err: Error) => {
        slot.restarting = null;
        this.log.error({ model: this.spec.model, version: this.spec.version, err: err.message }, 'python worker past its memory limit could not be replaced; it keeps serving');
        throw new AppError('unavailable', `the Python worker of version ${this.spec.version} of "${this.spec.model}" could not be replaced: ${err.message}`);
      },
    );
    slot.restarting.catch(() => {});
  }

  /** The workers' resident memory (VmRSS, summed), sampled every few seconds. */
  memoryBytes(): number {
    return this.rssBytes;
  }

  /** Every live worker's pid, by position (null while one restarts). */
  get pids(): Array<number | null> {
    return this.slots.map((s) => s.worker?.pid ?? null);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.rssTimer) clearInterval(this.rssTimer);
    const closing: Array<Promise<void> | undefined> = [];
    for (const slot of this.slots) {
      closing.push(slot.worker?.close(), slot.restarting?.then((r) => r.close()));
      slot.worker = null;
    }
    for (const w of this.draining) closing.push(w.close());
    await Promise.allSettled(closing);
  }
}
