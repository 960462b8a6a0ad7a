// One model's slot in a gateway: its pointers, the version serving its binding, the versions kept
// warm, and its own concurrency limit and bounded queue — so one saturated or failing model never
// holds up another.
import type { ModelRuntime, VersionSpec } from './runtimes/runtime.js';
import type { InputChecker } from './protocols/input-checker.js';
import { ModelPointers } from './pointers.js';
import type { TrafficPolicy } from './traffic-policy.js';

export interface LoadedVersion {
  version: number;
  spec: VersionSpec;
  runtime: ModelRuntime;
  checker: InputChecker;
  /** Requests running on this version now; it is only released at zero. */
  inflight: number;
  /** Epoch ms it last served or stopped being current: the warm-standby window counts from here. */
  lastActive: number;
  /**
   * Epoch ms until which a move this version was prepared for may still commit: the standby sweep
   * keeps it until then, or the commit would find it released and load it again after all.
   */
  preparedUntil?: number;
  /** Estimated resident bytes (the model file's size), counted against the memory budget. */
  memoryBytes: number;
  loadMs: number;
}

export interface LoadFailure {
  version: number;
  message: string;
  integrity: boolean;
  /** False when the version has nothing this gateway can run: reported, never retried nor audited. */
  servable: boolean;
}

export type SlotState = 'loading' | 'serving' | 'failed';

/** The permit handed out without queueing; callers compare against it to skip an await. */
export const GRANTED: Promise<boolean> = Promise.resolve(true);

interface Waiter {
  grant: (granted: boolean) => void;
  timer: NodeJS.Timeout | null;
}

export class ModelSlot {
  pointers = new ModelPointers();
  /** The version serving the binding: one reference, swapped atomically. */
  current: LoadedVersion | null = null;
  /** A canary split or shadow mirror, installed by a rollout's events; null when none runs. */
  traffic: TrafficPolicy | null = null;
  readonly loaded = new Map<number, LoadedVersion>();
  readonly loading = new Map<number, Promise<LoadedVersion>>();
  readonly failures = new Map<number, LoadFailure>();
  private active = 0;
  private readonly queue: Waiter[] = [];

  constructor(
    /** The model's name; a rename changes it in place (gateway.ts renameSlot). */
    public name: string,
    private readonly limits: { concurrency: number; queue: number; queueTimeoutMs?: number },
  ) {}

  /**
   * A permit to run (GRANTED), a promise of one when queued — true once granted, false when it
   * waited past the queue timeout and left the queue (answer 503) — or null when the queue is full
   * (answer 503). A timed-out waiter holds no permit: the caller must not release().
   */
  acquire(): Promise<boolean> | null {
    if (this.active < this.limits.concurrency) {
      this.active++;
      return GRANTED;
    }
    if (this.queue.length >= this.limits.queue) return null;
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = { grant: resolve, timer: null };
      const timeout = this.limits.queueTimeoutMs;
      if (timeout !== undefined && timeout > 0 && Number.isFinite(timeout)) {
        waiter.timer = setTimeout(() => {
          const i = this.queue.indexOf(waiter);
          if (i >= 0) this.queue.splice(i, 1);
          resolve(false);
        }, timeout);
      }
      this.queue.push(waiter);
    });
  }

  release(): void {
    const next = this.queue.shift();
    // The permit passes straight to the next waiter; active stays the same.
    if (next) {
      if (next.timer) clearTimeout(next.timer);
      next.grant(true);
    } else this.active--;
  }

  get target(): number | null {
    return this.pointers.target();
  }

  /** loading while the target is being loaded, failed when its load failed, else serving. */
  state(): { state: SlotState; error: string | null; failure: LoadFailure | null } {
    const target = this.target;
    if (target === null || this.current?.version === target) return { state: 'serving', error: null, failure: null };
    const failure = this.failures.get(target);
    if (failure) {
      const serving = this.current ? `; still serving version ${this.current.version}` : '';
      return { state: 'failed', error: `version ${target} failed to load: ${failure.message}${serving}`, failure };
    }
    return { state: 'loading', error: null, failure: null };
  }
}
