import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { expected, servedOnnxModel, specFor, v2Body, waitConverged } from './gateway-fixtures.js';
import { call, createModel, promote } from './http.js';
import { serverExtensions } from '../src/server.js';

/** An external model server (Open Inference Protocol) that holds requests until released, or fails. */
function externalServer() {
  const held: Array<() => void> = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const answer = () => {
        if (req.url?.includes('broken')) {
          res.writeHead(500).end('boom');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ outputs: [{ name: 'probability', shape: [1, 1], datatype: 'FP32', data: [0.5] }] }));
      };
      if (req.url?.includes('slow')) held.push(answer);
      else answer();
    });
  });
  return { server, held, url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe.each(DATABASES)('model isolation on %s', (kind) => {
  const ext = externalServer();
  beforeAll(() => new Promise<void>((res) => ext.server.listen(0, '127.0.0.1', res)));
  afterAll(() => new Promise<void>((res) => ext.server.close(() => res())));
  const r = useRegistry(kind, { extensions: serverExtensions({ serving: { gateway: { concurrency: 1, queue: 1 } } }).pick('serving') });
  const row = [1, 0.5, -2];

  async function httpModel(kindOf: 'slow' | 'broken') {
    const name = uniqueName(kindOf);
    await createModel(r.app, name);
    const res = await call(r.app, 'POST', `/api/v1/models/${name}/versions`, { runtime: 'http', endpoint_url: `${ext.url()}/${kindOf}/v2/models/x/infer` });
    expect(res.status).toBe(201);
    await promote(r.app, name, 1);
    await waitConverged(r.app, name, 1);
    return name;
  }

  const onnxModel = () => servedOnnxModel(r.app, uniqueName('healthy'));

  it('answers 503 with Retry-After for a saturated model only, while another model keeps answering', async () => {
    const slow = await httpModel('slow');
    const healthy = await onnxModel();
    const running = call(r.app, 'POST', `/v2/models/${slow}/infer`, v2Body([row]));
    const queued = call(r.app, 'POST', `/v2/models/${slow}/infer`, v2Body([row]));
    for (let i = 0; i < 200 && ext.held.length < 1; i++) await new Promise((res) => setTimeout(res, 5));
    const rejected = await call(r.app, 'POST', `/v2/models/${slow}/infer`, v2Body([row]));
    expect(rejected.status).toBe(503);
    expect(rejected.headers['retry-after']).toBe('1');
    expect(rejected.body.error).toContain('concurrency limit');
    const other = await call(r.app, 'POST', `/v2/models/${healthy}/infer`, v2Body([row]));
    expect(other.status).toBe(200);
    expect(Math.abs(other.body.outputs[0].data[0] - expected(specFor(1), row))).toBeLessThan(1e-5);
    // Release the held requests: the running one and then the queued one both answer.
    let settled = false;
    void Promise.all([running, queued]).then(() => (settled = true));
    for (let i = 0; i < 400 && !settled; i++) {
      ext.held.splice(0).forEach((answer) => answer());
      await new Promise((res) => setTimeout(res, 5));
    }
    expect((await running).status).toBe(200);
    const q = await queued;
    expect(q.status).toBe(200);
    expect(q.body.outputs[0].data).toEqual([0.5]);
  });

  it('fails requests to a model whose runtime errors, alone: another model answers correctly', async () => {
    const broken = await httpModel('broken');
    const healthy = await onnxModel();
    const res = await call(r.app, 'POST', `/v2/models/${broken}/infer`, v2Body([row]));
    expect(res.status).toBe(500);
    expect(res.body.error).toContain(`model "${broken}" version 1 failed`);
    const other = await call(r.app, 'POST', `/models/${healthy}/invocations`, { instances: [row] });
    expect(other.status).toBe(200);
    expect(Math.abs(other.body.predictions[0] - expected(specFor(1), row))).toBeLessThan(1e-5);
  });
});
