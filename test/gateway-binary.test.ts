// The Open Inference Protocol's binary data extension end to end through the gateway: the same
// inputs sent as JSON and as binary tensors give the same answers, on an ONNX model (FP32, 1,000
// rows) and on an HTTP-runtime model that echoes INT64, BOOL, BYTES and FP32 tensors; malformed
// binary requests are refused with a 400 that says what is wrong.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverExtensions } from '../src/server.js';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { registerOnnx, servedOnnxModel, specFor, waitConverged } from './gateway-fixtures.js';
import { call, createModel, promote } from './http.js';
import { binaryBody, postV2, type BinaryInput } from './v2-binary-client.js';

/** An Open Inference Protocol model server that answers each input back as "<name>_echo". */
function echoServer() {
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString('utf8')));
    req.on('end', () => {
      const { inputs } = JSON.parse(text) as { inputs: Array<{ name: string; datatype: string; shape: number[]; data: unknown[] }> };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ outputs: inputs.map((t) => ({ ...t, name: `${t.name}_echo` })) }));
    });
  });
  return { server, url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/models/echo/infer` };
}

const json = (body: unknown) => Buffer.from(JSON.stringify(body));
const asJson = (inputs: BinaryInput[], extra: Record<string, unknown> = {}) => ({
  inputs: inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape, data: t.values })),
  ...extra,
});

describe.each(DATABASES)('binary tensors (Open Inference Protocol) on %s', (kind) => {
  const echo = echoServer();
  beforeAll(() => new Promise<void>((res) => echo.server.listen(0, '127.0.0.1', res)));
  afterAll(() => new Promise<void>((res) => echo.server.close(() => res())));
  const r = useRegistry(kind, { extensions: serverExtensions().pick('serving') });
  const rows = (n: number) => Array.from({ length: n * 3 }, (_, i) => ((i * 37) % 101) / 7 - 5);

  it('answers 1,000 binary FP32 rows exactly as the JSON request, binary or JSON out, whatever the content type', async () => {
    const m = await servedOnnxModel(r.app, uniqueName('binary'));
    const url = `/v2/models/${m}/infer`;
    const input: BinaryInput = { name: 'input', datatype: 'FP32', shape: [1000, 3], values: rows(1000) };
    const viaJson = await postV2(r.app, url, json(asJson([input])), { 'content-type': 'application/json' });
    expect(viaJson.status).toBe(200);
    expect(viaJson.values.probability).toHaveLength(1000);

    const allBinary = binaryBody([input], { parameters: { binary_data_output: true } });
    for (const contentType of ['application/octet-stream', 'application/json', undefined]) {
      const headers: Record<string, string> = { 'inference-header-content-length': String(allBinary.headerLength) };
      if (contentType) headers['content-type'] = contentType;
      const res = await postV2(r.app, url, allBinary.body, headers);
      expect(res.status, `${contentType}: ${JSON.stringify(res.json)}`).toBe(200);
      expect(res.headers['content-type']).toBe('application/octet-stream');
      expect(res.headers['stagecraft-model-version']).toBe('1');
      expect(res.json.outputs?.[0]).toMatchObject({ name: 'probability', datatype: 'FP32', shape: [1000, 1], parameters: { binary_data_size: 4000 } });
      expect(res.values.probability).toEqual(viaJson.values.probability);
    }

    // Binary in, JSON out (no output asked as binary) — and JSON in, one output asked as binary.
    const binaryIn = binaryBody([input]);
    const jsonOut = await postV2(r.app, url, binaryIn.body, { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(binaryIn.headerLength) });
    expect(jsonOut.headers['inference-header-content-length']).toBeUndefined();
    expect(jsonOut.json.outputs?.[0].data).toEqual(viaJson.values.probability);
    const binaryOut = await postV2(r.app, url, json(asJson([input], { outputs: [{ name: 'probability', parameters: { binary_data: true } }] })), { 'content-type': 'application/json' });
    expect(binaryOut.values.probability).toEqual(viaJson.values.probability);
    // binary_data: false on a named output wins over binary_data_output.
    const mixed = await postV2(r.app, url, json(asJson([input], { parameters: { binary_data_output: true }, outputs: [{ name: 'probability', parameters: { binary_data: false } }] })), {
      'content-type': 'application/json',
    });
    expect(mixed.headers['inference-header-content-length']).toBeUndefined();
    expect(mixed.json.outputs?.[0].data).toEqual(viaJson.values.probability);
    // An explicit version answers binary the same way.
    const explicit = await postV2(r.app, `/v2/models/${m}/versions/1/infer`, allBinary.body, { 'inference-header-content-length': String(allBinary.headerLength) });
    expect(explicit.values.probability).toEqual(viaJson.values.probability);
  });

  it('round-trips INT64, BOOL, BYTES and FP32 tensors through an HTTP-runtime model as JSON does', async () => {
    const m = uniqueName('echo');
    await createModel(r.app, m);
    expect((await call(r.app, 'POST', `/api/v1/models/${m}/versions`, { runtime: 'http', endpoint_url: echo.url() })).status).toBe(201);
    await promote(r.app, m, 1);
    await waitConverged(r.app, m, 1);
    const inputs: BinaryInput[] = [
      { name: 'ids', datatype: 'INT64', shape: [3], values: [1, -2, 2 ** 40] },
      { name: 'flags', datatype: 'BOOL', shape: [3], values: [true, false, true] },
      { name: 'texts', datatype: 'BYTES', shape: [3], values: ['a', '', 'naïve ✓'] },
      { name: 'scores', datatype: 'FP32', shape: [3, 1], values: [0.5, -1.25, 3] },
    ];
    const viaJson = await postV2(r.app, `/v2/models/${m}/infer`, json(asJson(inputs)), { 'content-type': 'application/json' });
    expect(viaJson.status, JSON.stringify(viaJson.json)).toBe(200);
    const b = binaryBody(inputs, { parameters: { binary_data_output: true } });
    const viaBinary = await postV2(r.app, `/v2/models/${m}/infer`, b.body, { 'inference-header-content-length': String(b.headerLength) });
    expect(viaBinary.status, JSON.stringify(viaBinary.json)).toBe(200);
    expect(viaBinary.json.outputs?.map((o) => [o.name, o.datatype, o.parameters?.binary_data_size])).toEqual([
      ['ids_echo', 'INT64', 24],
      ['flags_echo', 'BOOL', 3],
      ['texts_echo', 'BYTES', 4 * 3 + 1 + 0 + Buffer.byteLength('naïve ✓')],
      ['scores_echo', 'FP32', 12],
    ]);
    expect(viaBinary.values).toEqual(viaJson.values);
    expect(viaBinary.values.texts_echo).toEqual(['a', '', 'naïve ✓']);
  });

  it('refuses malformed binary requests with a 400 naming the problem', async () => {
    const m = uniqueName('strict');
    await createModel(r.app, m);
    await registerOnnx(r.app, m, specFor(1));
    await promote(r.app, m, 1);
    await waitConverged(r.app, m, 1);
    const url = `/v2/models/${m}/infer`;
    const good = binaryBody([{ name: 'input', datatype: 'FP32', shape: [2, 3], values: rows(2) }]);
    const send = (body: Buffer, headerLength: number | string | null, contentType = 'application/octet-stream') =>
      postV2(r.app, url, body, { 'content-type': contentType, ...(headerLength === null ? {} : { 'inference-header-content-length': String(headerLength) }) });
    const cases: Array<[Promise<Awaited<ReturnType<typeof send>>>, string]> = [
      // Four bytes short of 2x3 FP32.
      [send(good.body.subarray(0, good.body.length - 4), good.headerLength), 'binary_data_size 24, but only 20 bytes'],
      [send(Buffer.concat([good.body, Buffer.alloc(4)]), good.headerLength), 'add up to 24'],
      [send(binaryBody([{ name: 'input', datatype: 'FP32', shape: [2, 3], values: rows(1) }]).body, binaryBody([{ name: 'input', datatype: 'FP32', shape: [2, 3], values: rows(1) }]).headerLength), 'needs 24'],
      [send(binaryBody([{ name: 'input', datatype: 'INT64', shape: [2, 3], values: [1, 2, 3, 4, 5, 6] }]).body, binaryBody([{ name: 'input', datatype: 'INT64', shape: [2, 3], values: [1, 2, 3, 4, 5, 6] }]).headerLength), 'type int64, expected float32'],
      [send(good.body, good.body.length + 10), 'has only'],
      [send(good.body, 'abc'), 'Inference-Header-Content-Length must be'],
      [send(good.body, 5), 'does not parse'],
      [send(good.body, null), 'needs the Inference-Header-Content-Length header'],
      [send(good.body.subarray(0, good.headerLength), null, 'application/json'), 'request has no binary data'],
    ];
    for (const [pending, message] of cases) {
      const res = await pending;
      expect(res.status, message).toBe(400);
      expect(res.json.error, message).toContain(message);
    }
    // The app's body limit (1 MiB) holds for binary bodies as for JSON ones.
    const huge = Buffer.concat([good.body.subarray(0, good.headerLength), Buffer.alloc(2 * 1024 * 1024)]);
    expect((await r.app.inject({ method: 'POST', url, payload: huge, headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(good.headerLength) } })).statusCode).toBe(413);
  });
});
