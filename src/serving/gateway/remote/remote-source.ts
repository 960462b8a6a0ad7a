// A registry over HTTP, for standalone gateways. Pointers come from the serving snapshot plus the
// change feed; artifacts are downloaded, verified against the manifest and cached on disk; with the
// registry down the gateway boots from and keeps serving what the cache holds.
import type { VersionDto } from '../../../http/common-schemas.js';
import type { Logger } from '../../../log.js';
import type { ServingSnapshotDto } from '../../bindings/bindings-service.js';
import type { RegistryEvent } from '../../../registry/events/events.js';
import type { Heartbeat } from '../../replicas/replicas-service.js';
import type { ManifestEntry } from '../../../registry/versions/versions.js';
import type { VersionSpec } from '../runtimes/runtime.js';
import { historyQuery, specFromVersion, type GatewaySource, type SourceHandlers } from '../source.js';
import { EventFollower } from './event-follower.js';
import { GatewayCache, type CachedPointers } from './gateway-cache.js';
import { RegistryClient, RegistryUnreachable } from './registry-client.js';

export class RemoteSource implements GatewaySource {
  private handlers: SourceHandlers | null = null;
  private follower: EventFollower | null = null;
  private pointers: CachedPointers | null = null;
  private saveQueued = false;
  readonly cache: GatewayCache;
  /** Whether the last call to the registry got an answer. */
  online = false;

  constructor(
    readonly client: RegistryClient,
    cacheDir: string,
    private readonly log: Logger,
    private readonly retryMs = 1000,
  ) {
    this.cache = new GatewayCache(cacheDir);
  }

  async start(handlers: SourceHandlers): Promise<void> {
    this.handlers = handlers;
    let resumeFrom: number | null = null;
    try {
      resumeFrom = await this.freshSnapshot();
    } catch (err) {
      if (!(err instanceof RegistryUnreachable)) throw err;
      const cached = await this.cache.pointers();
      if (!cached) throw new Error(`${err.message}, and the cache holds nothing to serve yet`);
      this.log.warn('registry unreachable: serving the last known bindings from the cache');
      this.pointers = cached;
      handlers.snapshot(cached.snapshot);
      for (const e of cached.events) handlers.event(e);
    }
    let first = resumeFrom !== null;
    this.follower = new EventFollower(
      this.client,
      {
        // The first connection resumes after the boot snapshot; every later one takes a fresh
        // snapshot, so whatever happened while the registry was away is reflected in full.
        connect: async () => {
          if (first) {
            first = false;
            return resumeFrom!;
          }
          return this.freshSnapshot();
        },
        event: (e) => this.onEvent(e),
        reachable: (up) => {
          if (this.online !== up) this.log.info({ registry: this.client.baseUrl, up }, 'registry reachability changed');
          this.online = up;
        },
      },
      this.log,
      this.retryMs,
    );
    this.follower.start();
  }

  private async freshSnapshot(): Promise<number> {
    const snap = await this.client.json<ServingSnapshotDto>('/api/v1/gateways/snapshot');
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
    if (this.saveQueued || !this.pointers) return;
    this.saveQueued = true;
    setTimeout(() => {
      this.saveQueued = false;
      if (this.pointers) void this.cache.putPointers(this.pointers).catch((err) => this.log.warn({ err }, 'could not write the gateway cache'));
    }, 100).unref();
  }

  resync(): void {
    this.freshSnapshot().catch((err) => this.log.warn({ err: (err as Error).message }, 'gateway resync failed'));
  }

  async stop(): Promise<void> {
    await this.follower?.stop();
    if (this.pointers) await this.cache.putPointers(this.pointers).catch(() => {});
  }

  async fetchVersion(model: string, version: number): Promise<{ spec: VersionSpec; bytes: Buffer | null }> {
    let spec: VersionSpec | null;
    try {
      const m = encodeURIComponent(model);
      const view = await this.client.json<VersionDto>(`/api/v1/models/${m}/versions/${version}`);
      const { files } = await this.client.json<{ files: ManifestEntry[] }>(`/api/v1/models/${m}/versions/${version}/files`);
      spec = specFromVersion(view, files);
      await this.cache.putSpec(spec).catch((err) => this.log.warn({ err: (err as Error).message }, 'could not cache a version spec'));
    } catch (err) {
      if (!(err instanceof RegistryUnreachable)) throw err;
      spec = await this.cache.spec(model, version);
      if (!spec) throw new Error(`${err.message}, and version ${version} of "${model}" is not in the cache`);
    }
    if (!spec.modelFile) return { spec, bytes: null };
    return { spec, bytes: await this.modelBytes(spec) };
  }

  private async modelBytes(spec: VersionSpec): Promise<Buffer> {
    const file = spec.modelFile!;
    const cached = await this.cache.blob(file.sha256);
    if (cached) return cached;
    const path = `/api/v1/models/${encodeURIComponent(spec.model)}/versions/${spec.version}/files/${file.path.split('/').map(encodeURIComponent).join('/')}`;
    // Verified before it is cached or loaded: bytes that are not the manifest's never run.
    const bytes = await this.client.verifiedBytes(path, file.sha256, file.path);
    await this.cache.putBlob(file.sha256, bytes).catch((err) => this.log.warn({ err: (err as Error).message }, 'could not cache artifact bytes'));
    return bytes;
  }

  async history(model: string, target: string): Promise<number[]> {
    const q = new URLSearchParams(historyQuery(target) as Record<string, string>);
    const h = await this.client.json<{ entries: Array<{ version: number | null }> }>(`/api/v1/models/${encodeURIComponent(model)}/history?${q}`);
    return h.entries.map((e) => e.version).filter((v): v is number => v !== null);
  }

  async heartbeat(hb: Heartbeat): Promise<void> {
    await this.client.post('/api/v1/gateways/heartbeat', hb);
  }
}
