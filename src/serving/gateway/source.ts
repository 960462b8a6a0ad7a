// Where a gateway learns what to serve and gets the bytes: the registry in the same process
// (local-source.ts) or a registry over HTTP with an on-disk cache (remote/remote-source.ts).
import type { VersionDto } from '../../http/common-schemas.js';
import { mlflowModelRoot, type ManifestEntry, type RegistryEvent } from '../../registry/index.js';
import type { ServingSnapshotDto } from '../bindings/bindings-service.js';
import type { PrepareAnswer } from '../replicas/move-coordinator.js';
import type { Heartbeat } from '../replicas/replicas-service.js';
import type { VersionSpec } from './runtimes/runtime.js';

export interface SourceHandlers {
  /** A full picture of every model's pointers (at boot, and again after a resync). */
  snapshot(s: ServingSnapshotDto): void;
  /** Every event after the snapshot, in id order. */
  event(e: RegistryEvent): void;
}

export interface GatewaySource {
  start(handlers: SourceHandlers): Promise<void>;
  /** Asks for a fresh snapshot (after a rename or delete the events alone do not describe). */
  resync(): void;
  stop(): Promise<void>;
  /** The version's spec and, for ONNX, its model bytes — verified against the manifest's sha256. */
  fetchVersion(model: string, version: number): Promise<{ spec: VersionSpec; bytes: Buffer | null }>;
  /**
   * Writes one file of a version (a Python model's directory) to `target`, streamed and verified
   * against the manifest's sha256 (never held whole in memory; nothing at `target` unless verified).
   */
  saveFile(spec: VersionSpec, file: { path: string; sha256: string; size: number }, target: string): Promise<void>;
  heartbeat(hb: Heartbeat): Promise<void>;
  /** Answers a move.prepare: the destination is loaded and warm here, or why it cannot be. */
  prepared(answer: PrepareAnswer): Promise<void>;
  /** Versions that held a target ('stage:X' / 'alias:Y'), most recent first (to pre-warm a standby). */
  history(model: string, target: string): Promise<number[]>;
}

/** 'stage:Production' -> ?stage=Production, 'alias:champion' -> ?alias=champion. */
export function historyQuery(target: string): { stage?: string; alias?: string } {
  const colon = target.indexOf(':');
  return target.slice(0, colon) === 'alias' ? { alias: target.slice(colon + 1) } : { stage: target.slice(colon + 1) };
}

/** The bytes are not the bytes the manifest names: never loaded, always audited. */
export class IntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IntegrityError';
  }
}

/** The version has nothing this gateway can run (e.g. an MLflow pickle with no .onnx and no endpoint_url). */
export class NotServable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotServable';
  }
}

export const FEATURE_NAMES_TAG = 'stagecraft.feature_names';

/** The spec of a version as the registry describes it (same shape in-process and over HTTP). */
export function specFromVersion(view: VersionDto, files: ManifestEntry[]): VersionSpec {
  if (view.status !== 'READY') throw new NotServable(`version ${view.version} of "${view.name}" is ${view.status}, not READY`);
  const onnxFiles = files.filter((f) => f.path.toLowerCase().endsWith('.onnx'));
  const modelFile = onnxFiles.find((f) => f.path === 'model.onnx' || f.path.endsWith('/model.onnx')) ?? onnxFiles[0] ?? null;
  // An MLflow model directory with no ONNX model is the Python runtime's, whatever the row says
  // (versions registered before that runtime existed have none recorded).
  const root = mlflowModelRoot(files);
  const runtime = view.runtime === 'http' ? 'http' : view.runtime === 'python' || (!modelFile && root !== null) ? 'python' : 'onnx';
  if (runtime === 'onnx' && !modelFile) throw new NotServable(`version ${view.version} of "${view.name}" is not servable here: no .onnx file, no MLflow model directory (MLmodel) and no endpoint_url`);
  if (runtime === 'python' && root === null) throw new NotServable(`version ${view.version} of "${view.name}" has runtime python but no MLmodel file`);
  if (runtime === 'http' && !view.endpoint_url) throw new NotServable(`version ${view.version} of "${view.name}" has runtime http but no endpoint_url`);
  const tag = view.tags[FEATURE_NAMES_TAG];
  return {
    model: view.name,
    version: view.version,
    runtime,
    endpointUrl: view.endpoint_url,
    signature: view.signature,
    featureNames: tag ? tag.split(',').map((s) => s.trim()).filter(Boolean) : null,
    modelFile: runtime === 'onnx' ? modelFile : null,
    python: runtime === 'python' ? { root: root!, interpreter: view.python?.interpreter ?? null, files: files.filter((f) => f.path.startsWith(root!)).map(({ path, sha256, size }) => ({ path, sha256, size })) } : null,
  };
}
