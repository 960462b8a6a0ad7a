// A registry over HTTP, for standalone gateways, reached only through the typed SDK. Pointers come
// from the serving snapshot plus the SDK's change-feed follower; artifacts are downloaded, verified
// against the manifest and cached on disk; with the registry down the gateway boots from and keeps
// serving what the cache holds. Given the artifact store itself (--artifacts-url with credentials),
// it reads bytes straight from there — no registry bandwidth — and falls back to the registry.
import { StagecraftUnreachableError, type FeedStatus, type Heartbeat, type PrepareAnswer, type RegistryEvent, type StagecraftClient } from '../../../../sdk/client.js';
import type { BlobStore } from '../../../blobs/blob-store.js';
import fs from 'node:fs/promises';
import type { Logger } from '../../../log.js';
import type { VersionSpec } from '../runtimes/runtime.js';
import { historyQuery, specFromVersion, type GatewaySource, type SourceHandlers } from '../source.js';
import { GatewayCache, type CachedPointers } from './gateway-cache.js';
import { downloadVerified, downloadVerifiedTo, fromRegistry } from './registry-answers.js';
import { writeVerified } from '../verified-file.js';
import type { RejectionLog } from './rejections.js';

export class RemoteSource implements GatewaySource {
  private handlers: SourceHandlers | null = null;
  private readonly stopping = new AbortController();
  private following: Promise<void> | null = null;
  private pointers: CachedPointers | null = null;
  private saveQueued = false;
  private saveTimer: NodeJS.Timeout | null = null;
  /** The save under way, if any: stop() waits for it before its own. */
  private saving: Promise<void> | null = null;
  readonly cache: GatewayCache;
  /** Whether the last call to the registry got an answer. */
  online = false;

  constructor(
    readonly client: StagecraftClient,
    cacheDir: string,
    private readonly log: Logger,
    private readonly retryMs = 1000,
    /** The rejections the client's fetch noted (RejectionLog.watch): reported with the next heartbeat. */
    private readonly rejections: RejectionLog | null = null,
    /** The registry's artifact store, read directly when given (verified like any download). */
    private readonly blobs: BlobStore | null = null,
  ) {
    this.cache = new GatewayCache(cacheDir);
  }

  async start(handlers: SourceHandlers): Promise<void> {
    this.handlers = handlers;
    let resumeFrom: number | null = null;
    try {
      resumeFrom = await this.freshSnapshot();
    } catch (err) {
      if (!(err instanceof StagecraftUnreachableError)) throw err;
      const cached = await this.cache.pointers();
      if (!cached) throw new Error(`${err.message}, and the cache holds nothing to serve yet`, { cause: err });
      this.log.warn('registry unreachable: serving the last known bindings from the cache');
      this.pointers = cached;
      handlers.snapshot(cached.snapshot);
      for (const e of cached.events) handlers.event(e);
    }
    this.following = this.follow(resumeFrom).catch((err) => this.log.error({ err }, 'the gateway stopped following the registry'));
  }

  private async follow(bootedAt: number | null): Promise<void> {
    let first = bootedAt !== null;
    const events = this.client.events.follow({
      signal: this.stopping.signal,
      forever: true,
      retryDelayMs: this.retryMs,
      maxDelayMs: 10 * this.retryMs,
      // The first connection resumes after the boot snapshot; every later one takes a fresh
      // snapshot, so whatever happened while the registry was away is reflected in full.
      resumeFrom: async () => {
        if (!first) return this.freshSnapshot();
        first = false;
        return bootedAt!;
      },
      onStatus: (status, err) => this.reachable(status, err),
    });
    for await (const e of events) {
      try {
        this.onEvent(e);
      } catch (err) {
        // One event the gateway cannot apply must not stop it following the rest.
        this.log.warn({ err, event: e.id }, 'gateway could not apply a registry event');
      }
    }
  }

  private reachable(status: FeedStatus, err: unknown): void {
    if (err) this.log.debug({ err: (err as Error).message, status }, 'gateway change feed interrupted');
    const up = status !== 'failing';
    if (this.online !== up) this.log.info({ registry: this.client.url, up }, 'registry reachability changed');
    this.online = up;
  }

  private async freshSnapshot(): Promise<number> {
    const snap = await fromRegistry('/api/v1/gateways/snapshot', this.client.gateways.snapshot());
    this.online = true;
    this.pointers = { snapshot: snap, events: [] };
    this.handlers?.snapshot(snap);
    this.queueSave();
    return snap.event_id;
  }

  private onEvent(e: RegistryEvent): void {
    this.pointers?.events.push(e);
    this.handlers?.event(e);
    this.queueSave();
  }

  private queueSave(): void {
    if (this.saveQueued || !this.pointers || this.stopping.signal.aborted) return;
    this.saveQueued = true;
    this.saveTimer = setTimeout(() => {
      this.saveQueued = false;
      this.saveTimer = null;
      if (this.pointers) this.saving = this.cache.putPointers(this.pointers).catch((err) => this.log.warn({ err }, 'could not write the gateway cache'));
    }, 100).unref();
  }

  resync(): void {
    this.freshSnapshot().catch((err) => this.log.warn({ err: (err as Error).message }, 'gateway resync failed'));
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.following?.catch(() => {});
    // The last save is this one: a queued save firing after stop() would write into a cache
    // directory its owner may already have removed (and recreate it).
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    await this.saving;
    if (this.pointers) await this.cache.putPointers(this.pointers).catch(() => {});
  }

  async fetchVersion(model: string, version: number): Promise<{ spec: VersionSpec; bytes: Buffer | null }> {
    let spec: VersionSpec | null;
    try {
      const where = `/api/v1/models/${encodeURIComponent(model)}/versions/${version}`;
      const view = await fromRegistry(where, this.client.versions.get(model, version));
      const { files } = await fromRegistry(`${where}/files`, this.client.versions.manifest(model, version));
      spec = specFromVersion(view, files);
      await this.cache.putSpec(spec).catch((err) => this.log.warn({ err: (err as Error).message }, 'could not cache a version spec'));
    } catch (err) {
      if (!(err instanceof StagecraftUnreachableError)) throw err;
      spec = await this.cache.spec(model, version);
      if (!spec) throw new Error(`${err.message}, and version ${version} of "${model}" is not in the cache`, { cause: err });
    }
    if (!spec.modelFile) return { spec, bytes: null };
    return { spec, bytes: await this.modelBytes(spec) };
  }

  /** An ONNX model's bytes (the session needs them whole): from the cache, else downloaded and cached. */
  private async modelBytes(spec: VersionSpec): Promise<Buffer> {
    const file = spec.modelFile!;
    const cached = await this.cache.blob(file.sha256);
    if (cached) return cached;
    // Verified before it is cached or loaded: bytes that are not the manifest's never run.
    const bytes = (await this.fromStore(file)) ?? (await downloadVerified(this.client, spec.model, spec.version, file));
    await this.cache.putBlob(file.sha256, bytes).catch((err) => this.log.warn({ err: (err as Error).message }, 'could not cache artifact bytes'));
    return bytes;
  }

  /** The file's bytes from the artifact store (read() verifies them), or null to ask the registry. */
  private async fromStore(file: { path: string; sha256: string }): Promise<Buffer | null> {
    if (!this.blobs) return null;
    try {
      return await this.blobs.read(file.sha256);
    } catch (err) {
      this.log.warn({ err: (err as Error).message, file: file.path }, 'artifact store read failed: downloading through the registry');
      return null;
    }
  }

  /**
   * A Python model's file, streamed: from the cache when it holds it intact, else downloaded into the
   * cache (verified on the way) and copied from there, so the next boot can load with the registry down.
   */
  async saveFile(spec: VersionSpec, file: { path: string; sha256: string; size: number }, target: string): Promise<void> {
    if (await this.cache.copyBlobTo(file.sha256, target)) return;
    let cached: string;
    try {
      cached = await this.cache.blobPath(file.sha256);
      await this.fetchTo(spec, file, cached);
    } catch (err) {
      // Only a cache the disk refused (full, permissions: a failed system call) is worked around,
      // by downloading straight to the target; a refused or cut-off download is the load's failure.
      if ((err as NodeJS.ErrnoException).syscall === undefined) throw err;
      this.log.warn({ err: (err as Error).message }, 'could not cache artifact bytes');
      await this.fetchTo(spec, file, target);
      return;
    }
    await fs.copyFile(cached, target);
  }

  /** Streams a file into `target`, verified: from the artifact store when given one, else (or when it fails) through the registry. */
  private async fetchTo(spec: VersionSpec, file: { path: string; sha256: string; size: number }, target: string): Promise<void> {
    if (this.blobs) {
      try {
        return await writeVerified(this.blobs.open(file.sha256), file.sha256, file.path, target);
      } catch (err) {
        this.log.warn({ err: (err as Error).message, file: file.path }, 'artifact store read failed: downloading through the registry');
      }
    }
    await downloadVerifiedTo(this.client, spec.model, spec.version, file, target);
  }

  async history(model: string, target: string): Promise<number[]> {
    const h = await fromRegistry(`/api/v1/models/${encodeURIComponent(model)}/history`, this.client.history(model, historyQuery(target)));
    return h.entries.map((e) => e.version).filter((v): v is number => v !== null);
  }

  async prepared(answer: PrepareAnswer): Promise<void> {
    await fromRegistry('/api/v1/gateways/prepared', this.client.gateways.prepared(answer));
  }

  async heartbeat(hb: Heartbeat): Promise<void> {
    const rejection = hb.leaving ? null : (this.rejections?.pending() ?? null);
    await fromRegistry('/api/v1/gateways/heartbeat', this.client.gateways.heartbeat(rejection ? { ...hb, rejection } : hb));
    this.rejections?.delivered(rejection);
  }
}
