// Real ONNX models with known weights registered through the real API, and waits on the gateway's
// reported status — shared by the gateway test files.
import type { App } from '../src/http/app-types.js';
import { denseModelOnnx, denseModelPredict, type DenseModelSpec } from '../src/onnx/onnx-builder.js';
import { call, createModel, promote, registerVersion } from './http.js';
import type { Logger } from '../src/log.js';
import { buildGatewayApp, type GatewayApp, type ReplicaOptions } from '../src/server.js';
import type { OkBody } from '../sdk/client.js';

type ServingStatus = OkBody<'/api/v1/models/{name}/status', 'get'>;

/** Distinct weights per version so every answer tells which version computed it. */
export function specFor(version: number, features = 3): DenseModelSpec {
  const weights = Array.from({ length: features }, (_, i) => ((i + 1) * (version % 2 === 0 ? -0.25 : 0.5)) / version);
  return { weights, bias: version / 10, activation: 'sigmoid', doc: `v${version}` };
}

export async function registerOnnx(app: App, model: string, spec: DenseModelSpec, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  return registerVersion(app, model, { 'model.onnx': denseModelOnnx(spec) }, extra, headers);
}

export const expected = (spec: DenseModelSpec, row: number[]) => denseModelPredict(spec, row);

/** A new model whose v1 (a real ONNX model, specFor(1)) is in Production and served by the gateway. */
export async function servedOnnxModel(app: App, name: string): Promise<string> {
  await createModel(app, name);
  await registerOnnx(app, name, specFor(1));
  await promote(app, name, 1);
  await waitConverged(app, name, 1);
  return name;
}

/** Polls `GET /api/v1/models/{m}/status` until converged on `version` (bounded: ~10 s). */
export async function waitConverged(app: App, model: string, version: number, tries = 500, headers: Record<string, string> = {}): Promise<ServingStatus> {
  let last: ServingStatus | null = null;
  for (let i = 0; i < tries; i++) {
    last = (await call<ServingStatus>(app, 'GET', `/api/v1/models/${model}/status`, undefined, headers)).body;
    if (last?.converged && last.target_version === version) return last;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`model ${model} did not converge on version ${version}: ${JSON.stringify(last)}`);
}

/** Polls until `check` holds (bounded). */
export async function eventually<T>(probe: () => Promise<T>, check: (v: T) => boolean, what: string, tries = 500): Promise<T> {
  let last: T | undefined;
  for (let i = 0; i < tries; i++) {
    last = await probe();
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
}

export function v2Body(rows: number[][], name = 'input') {
  return { inputs: [{ name, shape: [rows.length, rows[0].length], datatype: 'FP32', data: rows.flat() }] };
}

/** A standalone replica built as `stagecraft gateway` builds it, listening on 127.0.0.1:0. */
export async function startReplica(opts: ReplicaOptions, log: Logger): Promise<GatewayApp> {
  const gw = buildGatewayApp(opts, log);
  await gw.listen();
  return gw;
}
