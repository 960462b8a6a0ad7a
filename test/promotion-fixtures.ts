// Shared fixtures for the safe-promotion tests: real ONNX models with known weights and a holdout
// whose labels follow a known rule, so every metric can be worked out by hand.
import { denseModelOnnx, denseModelPredict, type DenseModelSpec } from '../src/onnx/onnx-builder.js';
import type { App } from '../src/http/app-types.js';
import { call, createModel, putBlob, registerVersion } from './http.js';

/** label = 1 when x1 > x2; 40 rows on a grid, 20 positives. */
export function holdoutRows(): Array<{ x1: number; x2: number; label: number }> {
  const rows = [];
  for (let i = 0; i < 40; i++) {
    const x1 = (i % 10) / 2;
    const x2 = Math.floor(i / 4) / 2 + (i % 2 ? 0.25 : -0.25);
    rows.push({ x1, x2, label: x1 > x2 ? 1 : 0 });
  }
  return rows;
}

export function holdoutCsv(): string {
  return ['x1,x2,label', ...holdoutRows().map((r) => `${r.x1},${r.x2},${r.label}`)].join('\n');
}

export function holdoutJsonl(): string {
  return holdoutRows().map((r) => JSON.stringify(r)).join('\n');
}

/** Recall of a sigmoid dense model on the holdout, computed by hand with denseModelPredict. */
export function expectedRecall(spec: DenseModelSpec): number {
  const rows = holdoutRows();
  const positives = rows.filter((r) => r.label === 1);
  const hits = positives.filter((r) => denseModelPredict(spec, [r.x1, r.x2]) >= 0.5).length;
  return hits / positives.length;
}

export const GOOD: DenseModelSpec = { weights: [1, -1], bias: 0, activation: 'sigmoid' };
/** Same decision rule shifted: positives only when x1 - x2 > 1.5, so recall drops. */
export const WORSE: DenseModelSpec = { weights: [1, -1], bias: -1.5, activation: 'sigmoid' };

/** Registers one ONNX version per spec (creating the model first unless `create` is false). */
export async function modelWith(app: App, name: string, specs: DenseModelSpec[], headers: Record<string, string> = {}, create = true) {
  if (create) await createModel(app, name, headers);
  for (const [i, spec] of specs.entries()) {
    await registerVersion(app, name, { 'model.onnx': denseModelOnnx({ ...spec, doc: `${name} v${i + 1}` }) }, {}, headers);
  }
}

export async function setGates(app: App, name: string, gates: Record<string, unknown>, dataset = holdoutCsv(), format = 'csv', headers: Record<string, string> = {}) {
  const { sha256 } = await putBlob(app, dataset, headers);
  return call(app, 'PUT', `/api/v1/models/${name}/gates`, { holdout: { sha256, format, label: 'label' }, ...gates }, headers);
}

export const stage = (app: App, name: string, version: number, to: string, headers: Record<string, string> = {}) =>
  call(app, 'POST', `/api/v1/models/${name}/versions/${version}/stage`, { stage: to, archive_existing_versions: true }, headers);
