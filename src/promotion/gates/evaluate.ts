// Runs a version's ONNX model on a holdout with real ONNX Runtime and scores its predictions.
// Bytes come through deps.blobs.read, which verifies them against their sha256.
import type * as ort from 'onnxruntime-node';
import type { Deps } from '../../deps.js';
import { AppError, conflict } from '../../errors.js';
import { loadOrt, type OrtLib } from '../../onnx/onnxruntime.js';
import type { Signature } from '../../onnx/onnx-signature.js';
import { getManifest } from '../../registry/index.js';
import type { HoldoutSpec } from './gates.js';
import { holdoutTask, type Holdout } from './holdout.js';
import { classificationMetrics, regressionMetrics } from './metrics.js';

const BATCH = 1024;

/** The model file of a version: model.onnx (at any depth) or else the first .onnx file. */
export function modelFileOf(files: Array<{ path: string; sha256: string }>) {
  const onnx = files.filter((f) => f.path.toLowerCase().endsWith('.onnx'));
  return onnx.find((f) => f.path === 'model.onnx' || f.path.endsWith('/model.onnx')) ?? onnx[0];
}

async function predictAll(lib: OrtLib, session: ort.InferenceSession, inputName: string, h: Holdout): Promise<{ values: number[][] }> {
  const f = h.features.length;
  const values: number[][] = [];
  for (let start = 0; start < h.rows.length; start += BATCH) {
    const rows = h.rows.slice(start, start + BATCH);
    const data = new Float32Array(rows.length * f);
    rows.forEach((r, i) => data.set(r, i * f));
    const out = await session.run({ [inputName]: new lib.Tensor('float32', data, [rows.length, f]) });
    const t = out[session.outputNames[0]];
    const width = t.dims.length > 1 ? Number(t.dims[t.dims.length - 1]) : 1;
    const flat = Array.from(t.data as Float32Array, Number);
    for (let i = 0; i < rows.length; i++) values.push(flat.slice(i * width, (i + 1) * width));
  }
  return { values };
}

function toClasses(values: number[][], threshold: number): number[] {
  return values.map((v) => (v.length === 1 ? (v[0] >= threshold ? 1 : 0) : v.indexOf(Math.max(...v))));
}

/** Metrics of `version` on the holdout; throws a 409 naming the problem when the model cannot run on it. */
export async function evaluateVersion(
  deps: Deps,
  modelName: string,
  version: number,
  signature: Signature | null,
  h: Holdout,
  spec: HoldoutSpec,
): Promise<Record<string, number>> {
  const { files } = await getManifest(deps, modelName, version);
  const file = modelFileOf(files);
  if (!file || !signature?.inputs.length) throw conflict(`version ${version} of "${modelName}" has no ONNX model to evaluate`);
  const lib = await loadOrt();
  const session = await lib.InferenceSession.create(await deps.blobs.read(file.sha256));
  try {
    const { values } = await predictAll(lib, session, signature.inputs[0].name, h);
    return holdoutTask(h, spec) === 'classification'
      ? classificationMetrics(toClasses(values, spec.threshold ?? 0.5), h.labels)
      : regressionMetrics(values.map((v) => v[0]), h.labels);
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw conflict(`version ${version} of "${modelName}" could not run on the holdout: ${(err as Error).message}`);
  } finally {
    await session.release().catch(() => {});
  }
}
