// The registry in the same process: pointers from the database, events from deps.feed, bytes from
// the blob store, heartbeats straight into the replicas service.
import type { Deps } from '../../deps.js';
import { getManifest, loadVersionView, type RegistryEvent } from '../../registry/index.js';
import { servingSnapshot } from '../bindings/bindings-service.js';
import { recordPrepareAnswer, type PrepareAnswer } from '../replicas/move-coordinator.js';
import { recordHeartbeat, type Heartbeat } from '../replicas/replicas-service.js';
import { previousHolders, requireModel } from '../../registry/index.js';
import { readVerified } from './verified-bytes.js';
import { writeVerified } from './verified-file.js';
import { specFromVersion, type GatewaySource, type SourceHandlers } from './source.js';
import type { VersionSpec } from './runtimes/runtime.js';

export class LocalSource implements GatewaySource {
  private unsubscribe: (() => void) | null = null;
  private handlers: SourceHandlers | null = null;

  constructor(private readonly deps: Deps) {}

  async start(handlers: SourceHandlers): Promise<void> {
    this.handlers = handlers;
    // Subscribe before the snapshot, buffer, then replay what came after it: nothing is missed.
    let buffered: RegistryEvent[] | null = [];
    this.unsubscribe = this.deps.feed.subscribe((e) => (buffered ? buffered.push(e) : handlers.event(e)));
    const snap = await servingSnapshot(this.deps.db);
    handlers.snapshot(snap);
    const pending = buffered;
    buffered = null;
    for (const e of pending) if (e.id > snap.event_id) handlers.event(e);
  }

  resync(): void {
    servingSnapshot(this.deps.db).then(
      (s) => this.handlers?.snapshot(s),
      (err) => this.deps.log.warn({ err }, 'gateway resync failed'),
    );
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  async fetchVersion(model: string, version: number) {
    const view = await loadVersionView(this.deps.db, model, version);
    const { files } = await getManifest(this.deps, model, version);
    const spec = specFromVersion(view, files);
    if (!spec.modelFile) return { spec, bytes: null };
    // Verified here as it streams: the gateway never trusts a store to have verified for it.
    const bytes = await readVerified(this.deps.blobs.open(spec.modelFile.sha256), spec.modelFile.sha256, spec.modelFile.path);
    return { spec, bytes };
  }

  async saveFile(_spec: VersionSpec, file: { path: string; sha256: string }, target: string): Promise<void> {
    await writeVerified(this.deps.blobs.open(file.sha256), file.sha256, file.path, target);
  }

  async history(model: string, target: string): Promise<number[]> {
    // The same previous-holder rule the registry's rollback and history use (registry/targets/holders.ts).
    const { id } = await requireModel(this.deps.db, model);
    return previousHolders(this.deps.db, id, target);
  }

  async heartbeat(hb: Heartbeat): Promise<void> {
    await recordHeartbeat(this.deps, hb);
  }

  async prepared(answer: PrepareAnswer): Promise<void> {
    await recordPrepareAnswer(this.deps, answer);
  }
}
