// The request checks against a version's signature: names, element types, shapes. Built once per
// loaded version so a request costs a Map lookup per input.
import type { Signature, TensorSpec } from '../../../onnx/onnx-signature.js';
import { invalid } from '../../../errors.js';
import type { Tensors } from '../runtimes/runtime.js';

/** Checks requests against one version's signature: names, element types, shapes. */
export class InputChecker {
  private readonly specs: Map<string, TensorSpec>;

  constructor(readonly signature: Signature | null) {
    this.specs = new Map((signature?.inputs ?? []).map((s) => [s.name, s]));
  }

  get inputNames(): string[] {
    return [...this.specs.keys()];
  }

  spec(name: string): TensorSpec | undefined {
    return this.specs.get(name);
  }

  /** The single input's spec, when the model has exactly one input. */
  get only(): TensorSpec | undefined {
    return this.specs.size === 1 ? this.specs.values().next().value : undefined;
  }

  check(feeds: Tensors): void {
    if (!this.signature) return;
    for (const name in feeds) {
      const spec = this.specs.get(name);
      if (!spec) throw invalid(`unknown input "${name}"; this model's inputs are: ${this.inputNames.join(', ')}`);
      const t = feeds[name];
      if (spec.type !== t.type) throw invalid(`input "${name}" has type ${t.type}, expected ${spec.type}`);
      if (spec.shape.length !== t.dims.length) {
        throw invalid(`input "${name}" has shape [${t.dims}], expected rank ${spec.shape.length} ([${spec.shape.map((d) => (d < 0 ? '-1' : d))}])`);
      }
      for (let i = 0; i < spec.shape.length; i++) {
        if (spec.shape[i] > 0 && spec.shape[i] !== t.dims[i]) {
          throw invalid(`input "${name}" has shape [${t.dims}], expected [${spec.shape}] (-1 = any): dimension ${i} must be ${spec.shape[i]}`);
        }
      }
      const n = t.dims.reduce((a, b) => a * b, 1);
      if (n !== t.data.length) throw invalid(`input "${name}" has ${t.data.length} elements but shape [${t.dims}] needs ${n}`);
    }
    if (Object.keys(feeds).length !== this.specs.size) {
      const missing = this.inputNames.filter((n) => !(n in feeds));
      throw invalid(`missing input${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}`);
    }
  }
}
