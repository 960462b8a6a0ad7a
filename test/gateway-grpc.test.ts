// The Open Inference Protocol's gRPC service end to end: a client built from the proto in the
// repository against a server on an ephemeral gRPC port. Health and metadata; ModelInfer with raw
// and typed contents answering what HTTP answers; the answering version and request id in the
// response metadata; errors as gRPC status codes; gRPC inferences in the version's live stats;
// tokens applied as on HTTP; the standalone replica's gRPC port.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverExtensions } from '../src/server.js';
import { createLogger } from '../src/log.js';
import { DATABASES, tempDir, uniqueName, useRegistry } from './databases.js';
import { bucketOf } from '../src/experiments/rollouts.js';
import { eventually, registerOnnx, servedOnnxModel, specFor, startReplica, v2Body, waitConverged } from './gateway-fixtures.js';
import { call, createModel, promote } from './http.js';
import { grpc, grpcFailure, inferenceClient, type InferenceClient } from './grpc-client.js';

const LENIENT = { min_requests: 5, max_latency_ratio: 1000, latency_slack_ms: 10_000 };
const f32 = (values: number[]) => Buffer.from(new Float32Array(values).buffer);
const readF32 = (b: Buffer) => Array.from(new Float32Array(new Uint8Array(b).buffer));

describe.each(DATABASES)('Open Inference Protocol gRPC on %s', (kind) => {
  const ext = serverExtensions({ serving: { grpc: { host: '127.0.0.1', port: 0 } }, experiments: { tickMs: 0 } });
  const r = useRegistry(kind, { extensions: ext.pick('serving', 'observe', 'experiments') });
  let client: InferenceClient;
  beforeAll(() => {
    client = inferenceClient(ext.serving.grpcPort()!);
  });
  afterAll(() => client?.close());
  const rows = [
    [1, 2, 3],
    [-0.5, 0.25, 4],
    [0, 0, 0],
  ];
  const rawRequest = (m: string, extra: object = {}) => ({
    model_name: m,
    inputs: [{ name: 'input', datatype: 'FP32', shape: [rows.length, 3] }],
    raw_input_contents: [f32(rows.flat())],
    ...extra,
  });

  it('answers health, server and model metadata', async () => {
    const m = await servedOnnxModel(r.app, uniqueName('meta'));
    expect((await client.call('ServerLive', {})).response).toEqual({ live: true });
    expect((await client.call('ServerReady', {})).response).toEqual({ ready: true });
    const server = (await client.call('ServerMetadata', {})).response;
    expect(server).toMatchObject({ name: 'stagecraft', extensions: ['binary_tensor_data'] });
    expect((await client.call('ModelReady', { name: m })).response).toEqual({ ready: true });
    expect((await client.call('ModelReady', { name: m, version: '7' })).response).toEqual({ ready: false });
    const meta = (await client.call('ModelMetadata', { name: m })).response;
    expect(meta).toMatchObject({ name: m, versions: ['1'], platform: 'onnxruntime_onnx' });
    expect(meta.inputs).toEqual([{ name: 'input', datatype: 'FP32', shape: ['-1', '3'] }]);
    expect(await grpcFailure(client.call('ModelMetadata', { name: 'nope' }))).toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it('infers with raw and typed contents as HTTP does, with the version and request id in the metadata, counted in live stats', async () => {
    const m = await servedOnnxModel(r.app, uniqueName('infer'));
    const viaHttp = await call(r.app, 'POST', `/v2/models/${m}/infer`, v2Body(rows));
    const want: number[] = viaHttp.body.outputs[0].data;

    const raw = await client.call('ModelInfer', rawRequest(m), { 'stagecraft-request-id': 'grpc-req-1' });
    expect(raw.metadata['stagecraft-model-version']).toBe('1');
    expect(raw.metadata['stagecraft-request-id']).toBe('grpc-req-1');
    expect(raw.response).toMatchObject({ model_name: m, model_version: '1', outputs: [{ name: 'probability', datatype: 'FP32', shape: ['3', '1'] }] });
    expect(readF32(raw.response.raw_output_contents[0])).toEqual(want);

    const typed = await client.call('ModelInfer', {
      model_name: m,
      model_version: '1',
      id: 'mine',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [rows.length, 3], contents: { fp32_contents: rows.flat() } }],
    });
    expect(typed.response.id).toBe('mine');
    expect(typed.response.raw_output_contents).toEqual([]);
    expect(typed.response.outputs[0].contents.fp32_contents).toEqual(want);
    // A label names a version as on TF Serving's REST door.
    const byLabel = await client.call('ModelInfer', rawRequest(m, { model_version: 'production' }));
    expect(byLabel.metadata['stagecraft-model-version']).toBe('1');

    const live = await eventually(
      async () => (await call(r.app, 'GET', `/api/v1/models/${m}/versions/1/monitoring?window_seconds=3600`)).body.live?.requests,
      (n) => n === 4,
      'live stats counting 1 HTTP + 3 gRPC requests',
    );
    expect(live).toBe(4);
  });

  it('maps failures to gRPC status codes: NOT_FOUND, INVALID_ARGUMENT', async () => {
    const m = await servedOnnxModel(r.app, uniqueName('errors'));
    expect(await grpcFailure(client.call('ModelInfer', rawRequest('no-such-model')))).toMatchObject({ code: grpc.status.NOT_FOUND });
    expect(await grpcFailure(client.call('ModelInfer', rawRequest(m, { model_version: '9' })))).toMatchObject({ code: grpc.status.NOT_FOUND });
    const wrongName = await grpcFailure(client.call('ModelInfer', rawRequest(m, { inputs: [{ name: 'x', datatype: 'FP32', shape: [3, 3] }] })));
    expect(wrongName).toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    expect(wrongName.details).toContain('unknown input "x"');
    const short = await grpcFailure(client.call('ModelInfer', rawRequest(m, { raw_input_contents: [f32([1, 2, 3])] })));
    expect(short).toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    expect(short.details).toContain('needs 36');
    const typedShort = await grpcFailure(client.call('ModelInfer', { model_name: m, inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 3], contents: { fp32_contents: [1] } }] }));
    expect(typedShort.details).toContain('needs 6');
    expect(await grpcFailure(client.call('ModelInfer', { model_name: m }))).toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
  });

  it('follows a canary split keyed by a header sent as metadata, as HTTP does', async () => {
    const m = await servedOnnxModel(r.app, uniqueName('canary'));
    await registerOnnx(r.app, m, specFor(2));
    const res = await call(r.app, 'POST', `/api/v1/models/${m}/rollout`, { version: 2, steps: [10, 100], step_minutes: 5, key_header: 'X-User', criteria: LENIENT });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    await eventually(async () => ext.serving.gateway().slots.get(m), (s) => !!s?.traffic && s.loaded.has(2), 'split installed and candidate warm');
    const keys = Array.from({ length: 100 }, (_, i) => `user-${i}`);
    const onCandidate = keys.find((k) => bucketOf(k) <= 10)!;
    const onBinding = keys.find((k) => bucketOf(k) > 10)!;
    for (const [key, version] of [[onCandidate, '2'], [onBinding, '1']]) {
      const answer = await client.call('ModelInfer', rawRequest(m), { 'x-user': key });
      expect(answer.metadata['stagecraft-model-version'], key).toBe(version);
      expect(answer.response.model_version).toBe(version);
    }
  });

  it('applies API tokens as HTTP does: UNAUTHENTICATED without one once tokens exist', async () => {
    const m = await servedOnnxModel(r.app, uniqueName('locked'));
    const admin = await call(r.app, 'POST', '/api/v1/tokens', { name: uniqueName('admin'), role: 'admin' });
    const viewer = await call(r.app, 'POST', '/api/v1/tokens', { name: uniqueName('viewer'), role: 'viewer' }, { authorization: `Bearer ${admin.body.token}` });
    expect(await grpcFailure(client.call('ModelInfer', rawRequest(m)))).toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    const ok = await client.call('ModelInfer', rawRequest(m), { authorization: `Bearer ${viewer.body.token}` });
    expect(ok.metadata['stagecraft-model-version']).toBe('1');
    expect(await grpcFailure(client.call('ModelMetadata', { name: m }))).toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    // Per-model grants apply: a model the caller may not read answers exactly as one not served here.
    const viewerName = viewer.body.name as string;
    const deny = await call(r.app, 'POST', '/api/v1/grants', { principal_type: 'token', principal_name: viewerName, scope: m, role: 'deny' }, { authorization: `Bearer ${admin.body.token}` });
    expect(deny.status).toBe(201);
    const asViewer = { authorization: `Bearer ${viewer.body.token}` };
    const hidden = await grpcFailure(client.call('ModelInfer', rawRequest(m), asViewer));
    const missing = await grpcFailure(client.call('ModelInfer', rawRequest(`${m}-missing`), asViewer));
    expect(hidden.code).toBe(grpc.status.NOT_FOUND);
    expect(hidden.details.replace(m, '<m>')).toBe(missing.details.replace(`${m}-missing`, '<m>'));
    expect((await client.call('ModelReady', { name: m }, asViewer)).response).toMatchObject({ ready: false });
    // Health stays open, as GET /v2/health/live and /ready.
    expect((await client.call('ServerLive', {})).response).toEqual({ live: true });
    expect((await client.call('ServerReady', {})).response).toEqual({ ready: true });
  });
});

describe.each(DATABASES)('Open Inference Protocol gRPC under a model\'s limits on %s', (kind) => {
  // An external model server that holds every request until the test releases it.
  const held: Array<() => void> = [];
  const slow = http.createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      held.push(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ outputs: [{ name: 'probability', shape: [1, 1], datatype: 'FP32', data: [0.5] }] }));
      }),
    );
  });
  beforeAll(() => new Promise<void>((res) => slow.listen(0, '127.0.0.1', res)));
  afterAll(() => new Promise<void>((res) => slow.close(() => res())));
  const ext = serverExtensions({ serving: { gateway: { concurrency: 1, queue: 0 }, grpc: { host: '127.0.0.1', port: 0 } } });
  const r = useRegistry(kind, { extensions: ext.pick('serving') });

  it('sheds a saturated model with RESOURCE_EXHAUSTED, as HTTP answers 503', async () => {
    const client = inferenceClient(ext.serving.grpcPort()!);
    const m = uniqueName('saturated');
    await createModel(r.app, m);
    await call(r.app, 'POST', `/api/v1/models/${m}/versions`, { runtime: 'http', endpoint_url: `http://127.0.0.1:${(slow.address() as AddressInfo).port}/v2/models/x/infer` });
    await promote(r.app, m, 1);
    await waitConverged(r.app, m, 1);
    const request = { model_name: m, inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3], contents: { fp32_contents: [1, 2, 3] } }] };
    try {
      const running = client.call('ModelInfer', request);
      await eventually(async () => held.length, (n) => n === 1, 'the first request held by the model server');
      const shed = await grpcFailure(client.call('ModelInfer', request));
      expect(shed.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(shed.details).toContain('concurrency limit');
      expect((await call(r.app, 'POST', `/v2/models/${m}/infer`, v2Body([[1, 2, 3]]))).status).toBe(503);
      held.shift()!();
      expect((await running).response.outputs[0].contents.fp32_contents).toEqual([0.5]);
    } finally {
      for (const release of held.splice(0)) release();
      client.close();
    }
  });
});

describe('Open Inference Protocol gRPC on a standalone replica', () => {
  const r = useRegistry('sqlite', { extensions: serverExtensions({ serving: { embedded: false } }).pick('serving') });

  it('serves gRPC on its own port beside HTTP, and closes it on shutdown', async () => {
    await r.app.listen({ host: '127.0.0.1', port: 0 });
    const registry = `http://127.0.0.1:${(r.app.server.address() as AddressInfo).port}`;
    const m = uniqueName('replica');
    await createModel(r.app, m);
    await registerOnnx(r.app, m, specFor(1));
    const replica = await startReplica({ registry, cacheDir: tempDir(), grpcPort: 0 }, createLogger('silent'));
    await promote(r.app, m, 1);
    const client = inferenceClient(replica.grpcPort!);
    try {
      const answer = await eventually(
        () => client.call('ModelInfer', { model_name: m, inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3] }], raw_input_contents: [f32([1, 2, 3])] }).catch(() => null),
        (a) => a?.metadata['stagecraft-model-version'] === '1',
        'the replica serving version 1 over gRPC',
      );
      expect(readF32(answer!.response.raw_output_contents[0])).toHaveLength(1);
    } finally {
      client.close();
      await replica.close();
    }
    const after = inferenceClient(replica.grpcPort!);
    expect(await grpcFailure(after.call('ServerLive', {}, {}))).toMatchObject({ code: grpc.status.UNAVAILABLE });
    after.close();
  });
});
