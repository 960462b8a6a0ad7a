// A served model's Open Inference Protocol metadata and readiness, for the REST routes and the
// gRPC service alike. Read from what is loaded: metadata never triggers a load.
import type { Gateway } from './gateway.js';
import type { LoadedVersion, ModelSlot } from './model-slot.js';
import { v2Type } from './runtimes/tensors.js';

/** The bound version, or a loaded explicit one; null when nothing matching is loaded here. */
export function loadedFor(gateway: Gateway, model: string, version?: string): { slot: ModelSlot; lv: LoadedVersion } | null {
  const slot = gateway.find(model);
  const lv = version === undefined || version === '' ? slot?.current : slot?.loaded.get(Number(version));
  return slot && lv ? { slot, lv } : null;
}

export function modelPlatform(lv: LoadedVersion): string {
  return lv.spec.runtime === 'onnx' ? 'onnxruntime_onnx' : lv.spec.runtime === 'python' ? 'mlflow_pyfunc' : 'http';
}

export function modelMetadata(slot: ModelSlot, lv: LoadedVersion) {
  const tensors = (list: Array<{ name: string; type: string; shape: number[] }> = []) => list.map((t) => ({ name: t.name, datatype: v2Type(t.type), shape: t.shape }));
  return {
    name: slot.name,
    versions: [...slot.loaded.keys()].map(String),
    platform: modelPlatform(lv),
    inputs: tensors(lv.spec.signature?.inputs),
    outputs: tensors(lv.spec.signature?.outputs),
    parameters: { binding: slot.pointers.binding, version: lv.version },
  };
}
