// The gateway: one slot per model, kept on its binding's target version by the change feed.
// A move runs load -> warm -> swap one reference -> in-flight requests on the old finish (they hold
// their own reference) -> the old stays warm as standby -> released after the window or when the
// memory budget needs the room. A version that fails to load never takes traffic.
import fs from 'node:fs';
import type { Logger } from '../../log.js';
import type { RegistryEvent } from '../../registry/index.js';
import type { ServingSnapshotDto } from '../bindings/bindings-service.js';
import type { ModelReport } from '../replicas/replicas-service.js';
import type { GatewayOptions } from './gateway-options.js';
import { ModelSlot, type LoadedVersion } from './model-slot.js';
import { ModelPointers, POINTER_EVENTS } from './pointers.js';
import { loadVersionRuntime } from './runtimes/load-runtime.js';
import { IntegrityError, NotServable, type GatewaySource } from './source.js';
import { prepareForMove } from './prepare.js';
import { releaseIdle } from './standby.js';
import { InputChecker } from './protocols/input-checker.js';

/** How long shutdown waits for the registry to hear a replica's goodbye. */
const FAREWELL_MS = 2000;

export class Gateway {
  readonly slots = new Map<string, ModelSlot>();
  /** True once the first snapshot was applied and its loads settled. */
  ready = false;
  private timers: NodeJS.Timeout[] = [];
  private reportQueued = false;
  private stopped = false;
  /**
   * Old names of renamed models -> their name now. Callers still using an old name keep being
   * served (a rename never takes a model offline) until a model takes that name again.
   */
  private readonly renamed = new Map<string, string>();
  /** The last change-feed event id applied (a snapshot counts as every event up to its id). */
  feedPosition: number | null = null;

  constructor(
    readonly source: GatewaySource,
    readonly options: GatewayOptions,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    await this.source.start({ snapshot: (s) => this.applySnapshot(s), event: (e) => this.applyEvent(e) });
    const boot = [...this.slots.values()].map((slot) => {
      const target = slot.target;
      return target === null ? null : slot.loading.get(target);
    });
    await Promise.allSettled(boot);
    this.ready = true;
    void this.prewarmStandbys();
    this.timers.push(setInterval(() => void this.report(), this.options.heartbeatMs));
    this.timers.push(
      setInterval(() => {
        this.sweep();
        this.retryFailed();
      }, Math.min(5000, this.options.standbyMs)),
    );
    for (const t of this.timers) t.unref();
    await this.report();
  }

  /** Stop following, wait for in-flight requests, release every runtime. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await this.farewell();
    await this.source.stop();
    const all = [...this.slots.values()].flatMap((s) => [...s.loaded.values()]);
    for (let i = 0; i < 200 && all.some((lv) => lv.inflight > 0); i++) await new Promise((r) => setTimeout(r, 10));
    await Promise.allSettled(all.map((lv) => lv.runtime.close()));
    this.slots.clear();
    // The Python workers' model folders went with their runtimes; their parent goes once empty
    // (another gateway in this process may still use it: rmdir refuses then).
    await fs.promises.rmdir(this.options.pythonDir).catch(() => {});
  }

  applySnapshot(s: ServingSnapshotDto): void {
    this.feedPosition = s.event_id;
    const seen = new Set<string>();
    for (const dto of s.models) {
      seen.add(dto.name);
      this.slot(dto.name).pointers = ModelPointers.from(dto);
    }
    for (const [name, slot] of this.slots) {
      if (!seen.has(name)) this.dropSlot(slot);
    }
    for (const slot of this.slots.values()) this.reconcile(slot);
    if (s.traffic) {
      // A remote snapshot carries the splits in force: it replaces whatever this replica had, so a
      // rollout that ended while it was away stops routing here too.
      for (const slot of this.slots.values()) slot.traffic = null;
      for (const e of s.traffic) this.applyEvent(e);
    }
  }

  applyEvent(e: RegistryEvent): void {
    this.feedPosition = Math.max(this.feedPosition ?? 0, e.id);
    // Imported history is not replayed move by move: the model.imported that follows resyncs to where it ended.
    if (e.imported_from) return;
    for (const follow of this.options.followers) {
      try {
        follow(this, e);
      } catch (err) {
        this.log.warn({ err: (err as Error).message, event: e.id }, 'gateway follower threw');
      }
    }
    if (e.type === 'move.prepare') return void prepareForMove(this, e, this.log);
    if (e.type === 'model.renamed' && e.from !== null && e.to !== null) return this.renameSlot(e.from, e.to);
    if (e.type === 'model.renamed' || e.type === 'model.deleted' || e.type === 'model.imported') return this.source.resync();
    if (!e.model) return;
    if (e.type === 'model.created') {
      this.slot(e.model);
      return;
    }
    if (!POINTER_EVENTS.has(e.type)) return;
    const slot = this.slot(e.model);
    if (slot.pointers.apply(e)) this.reconcile(slot);
  }

  /** The slot serving `name`, or the slot of the model it was renamed to. */
  find(name: string): ModelSlot | undefined {
    const slot = this.slots.get(name);
    if (slot) return slot;
    const now = this.renamed.get(name);
    return now === undefined ? undefined : this.slots.get(now);
  }

  private slot(name: string): ModelSlot {
    let slot = this.slots.get(name);
    if (!slot) {
      // A model with this name again: the name no longer leads to the model it was renamed from.
      this.renamed.delete(name);
      slot = new ModelSlot(name, { concurrency: this.options.concurrency, queue: this.options.queue, queueTimeoutMs: this.options.queueTimeoutMs });
      this.slots.set(name, slot);
    }
    return slot;
  }

  /**
   * A rename moves the slot — its warm versions, pointers and traffic split — to the new name at
   * once, and the old name keeps leading to it: no request fails across a rename.
   */
  private renameSlot(from: string, to: string): void {
    for (const [old, now] of this.renamed) if (now === from) this.renamed.set(old, to);
    this.renamed.delete(to);
    this.renamed.set(from, to);
    const slot = this.slots.get(from);
    if (!slot) return this.source.resync(); // nothing here under the old name: the snapshot says what to serve
    const stale = this.slots.get(to);
    if (stale) this.dropSlot(stale);
    this.slots.delete(from);
    slot.name = to;
    this.slots.set(to, slot);
    this.log.info({ from, to }, 'gateway follows a renamed model');
    this.queueReport();
  }

  private dropSlot(slot: ModelSlot): void {
    this.slots.delete(slot.name);
    slot.current = null;
    for (const lv of slot.loaded.values()) void this.closeWhenIdle(lv);
  }

  /** Brings the slot to its target: a flip when the target is warm, else a load off the request path. */
  reconcile(slot: ModelSlot): void {
    const target = slot.target;
    if (target === null) {
      if (slot.current) this.flip(slot, null);
      return;
    }
    if (slot.current?.version === target) return;
    const warm = slot.loaded.get(target);
    if (warm) return this.flip(slot, warm);
    this.ensureLoaded(slot, target).then(
      () => this.slots.get(slot.name) === slot && this.reconcile(slot),
      () => this.queueReport(),
    );
    this.queueReport();
  }

  private flip(slot: ModelSlot, next: LoadedVersion | null): void {
    const old = slot.current;
    slot.current = next;
    const now = Date.now();
    if (old) old.lastActive = now;
    if (next) {
      next.lastActive = now;
      // The move it was prepared for has arrived: from now on it is released like any standby.
      next.preparedUntil = undefined;
    }
    this.log.info({ model: slot.name, from: old?.version ?? null, to: next?.version ?? null }, 'gateway swapped version');
    this.queueReport();
    this.sweep();
  }

  /** The loaded version, loading it once however many callers ask. */
  ensureLoaded(slot: ModelSlot, version: number): Promise<LoadedVersion> {
    const warm = slot.loaded.get(version);
    if (warm) return Promise.resolve(warm);
    let pending = slot.loading.get(version);
    if (!pending) {
      pending = this.load(slot.name, version).then(
        (lv) => {
          slot.loading.delete(version);
          slot.failures.delete(version);
          if (this.stopped || this.slots.get(slot.name) !== slot) {
            void lv.runtime.close();
            throw new Error('gateway stopped while loading');
          }
          slot.loaded.set(version, lv);
          return lv;
        },
        (err: Error) => {
          slot.loading.delete(version);
          const integrity = err instanceof IntegrityError;
          const servable = !(err instanceof NotServable);
          slot.failures.set(version, { version, message: err.message, integrity, servable });
          if (servable) this.log.warn({ model: slot.name, version, err: err.message, integrity }, 'gateway refused to load version');
          throw err;
        },
      );
      slot.loading.set(version, pending);
    }
    return pending;
  }

  private async load(model: string, version: number): Promise<LoadedVersion> {
    const t0 = performance.now();
    const fetched = await this.source.fetchVersion(model, version);
    const python = {
      saveFile: this.source.saveFile.bind(this.source),
      log: this.log,
      onRestart: (m: string, v: number) => {
        for (const o of this.options.observers) o.workerRestarted?.(m, v);
      },
    };
    const runtime = await loadVersionRuntime(fetched.spec, fetched.bytes, this.options, python);
    const loadMs = performance.now() - t0;
    this.log.info({ model, version, loadMs: Math.round(loadMs) }, 'gateway loaded and warmed version');
    // A Python model reports its own signature when loaded: requests are checked against that.
    const spec = runtime.modelSignature ? { ...fetched.spec, signature: runtime.modelSignature } : fetched.spec;
    const size = spec.modelFile?.size ?? 0;
    return {
      version,
      spec,
      runtime,
      checker: new InputChecker(spec.signature),
      inflight: 0,
      lastActive: Date.now(),
      // A worker process's resident memory counts against the budget as it is now, not as loaded.
      get memoryBytes() {
        return runtime.memoryBytes?.() ?? size;
      },
      loadMs,
    };
  }

  /**
   * After boot, loads each model's previous holder of its binding as warm standby (off the request
   * path, best effort), so even the first rollback after a restart is a pointer flip.
   */
  private async prewarmStandbys(): Promise<void> {
    for (const slot of [...this.slots.values()]) {
      const target = slot.target;
      if (target === null || this.stopped) continue;
      try {
        const previous = (await this.source.history(slot.name, slot.pointers.binding)).find((v) => v !== target);
        if (previous !== undefined && !slot.loaded.has(previous)) await this.ensureLoaded(slot, previous);
      } catch (err) {
        this.log.debug({ model: slot.name, err: (err as Error).message }, 'could not pre-warm a standby');
      }
    }
  }

  /** Releases standbys past the window, then the oldest idle ones while over the memory budget. */
  sweep(): void {
    for (const lv of releaseIdle(this.slots, this.options, Date.now())) void lv.runtime.close().catch(() => {});
  }

  /** Retries targets whose load failed for a passing reason (registry away, disk); never bad bytes. */
  private retryFailed(): void {
    for (const slot of this.slots.values()) {
      const target = slot.target;
      const failure = target === null ? undefined : slot.failures.get(target);
      if (!failure || failure.integrity || !failure.servable || slot.loading.has(target!)) continue;
      slot.failures.delete(target!);
      this.reconcile(slot);
    }
  }

  private async closeWhenIdle(lv: LoadedVersion): Promise<void> {
    for (let i = 0; i < 3000 && lv.inflight > 0; i++) await new Promise((r) => setTimeout(r, 10));
    await lv.runtime.close().catch(() => {});
  }

  reports(): ModelReport[] {
    return [...this.slots.values()].map((slot) => {
      const { state, error, failure } = slot.state();
      return {
        model: slot.name,
        binding: slot.pointers.binding,
        version: slot.current?.version ?? null,
        state,
        error,
        // Only a servable version's failure is audited (the registry records one event per new failure).
        failed_version: failure?.servable ? failure.version : null,
        integrity_error: failure?.integrity ?? false,
      };
    });
  }

  /** A heartbeat soon: state changes are reported at once, not at the next interval. */
  queueReport(): void {
    if (this.reportQueued || !this.ready) return;
    this.reportQueued = true;
    setImmediate(() => {
      this.reportQueued = false;
      void this.report();
    });
  }

  async report(): Promise<void> {
    if (this.stopped) return;
    try {
      // The feed position is read with the reports: every state reported reflects events up to it.
      const hb = { replica_id: this.options.replicaId, url: this.options.url, models: this.reports(), feed_position: this.feedPosition };
      await this.source.heartbeat(hb);
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'gateway heartbeat failed; will retry');
    }
  }

  /** Tells the registry this replica is going, so status stops waiting for it (bounded: shutdown must not hang). */
  private async farewell(): Promise<void> {
    const bye = this.source.heartbeat({ replica_id: this.options.replicaId, url: this.options.url, models: [], leaving: true });
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, FAREWELL_MS).unref());
    await Promise.race([bye.catch((err) => this.log.debug({ err: (err as Error).message }, 'gateway could not say goodbye')), timeout]);
  }
}
