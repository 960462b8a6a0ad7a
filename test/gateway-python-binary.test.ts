// Binary tensors and gRPC reach the Python runtime too: the gateway decodes them into the same
// runtime-independent tensors, so an MLflow model answers a binary request (FP64 columns in, BYTES
// classes out) and a gRPC raw request exactly as it answers JSON. Skips (saying why) without the
// MLflow bundle.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverExtensions } from '../src/server.js';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { waitConverged } from './gateway-fixtures.js';
import { inferenceClient, type InferenceClient } from './grpc-client.js';
import { createModel, promote, registerVersion } from './http.js';
import { dirFiles, makePythonModels, PYTHON, PYTHON_SKIP, usePythonEnv, type Expected } from './python-models.js';
import { binaryBody, postV2, readTensor, tensorBytes, type BinaryInput } from './v2-binary-client.js';

describe.skipIf(PYTHON_SKIP !== null).each(DATABASES)('binary tensors and gRPC on the Python runtime on %s', (kind) => {
  const ext = serverExtensions({ serving: { gateway: { python: PYTHON, pythonLoadTimeoutMs: 120_000 }, grpc: { host: '127.0.0.1', port: 0 } } });
  const r = useRegistry(kind, { extensions: ext.pick('serving'), config: { prepareDeadlineMs: 120_000 } });
  let ex: Expected;
  let dir: string;
  let client: InferenceClient;
  beforeAll(() => {
    usePythonEnv();
    ({ dir, expected: ex } = makePythonModels());
    client = inferenceClient(ext.serving.grpcPort()!);
  }, 300_000);
  afterAll(() => client?.close());

  it('answers binary and gRPC raw requests as JSON', async () => {
    const m = uniqueName('iris-binary');
    await createModel(r.app, m);
    await registerVersion(r.app, m, dirFiles(`${dir}/iris_a`, 'model/'));
    await promote(r.app, m, 1);
    await waitConverged(r.app, m, 1, 3000);
    const inputs: BinaryInput[] = ex.columns.map((c, i) => ({ name: c, datatype: 'FP64', shape: [ex.rows.length], values: ex.rows.map((row) => row[i]) }));
    const b = binaryBody(inputs, { parameters: { binary_data_output: true } });
    const res = await postV2(r.app, `/v2/models/${m}/infer`, b.body, { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(b.headerLength) });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.outputs?.[0]).toMatchObject({ name: 'predictions', datatype: 'BYTES' });
    expect(res.values.predictions).toEqual(ex.iris_a);

    const viaGrpc = await client.call('ModelInfer', {
      model_name: m,
      inputs: inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape })),
      raw_input_contents: inputs.map(tensorBytes),
    });
    expect(viaGrpc.metadata['stagecraft-model-version']).toBe('1');
    expect(readTensor('BYTES', viaGrpc.response.raw_output_contents[0])).toEqual(ex.iris_a);
  });
});
