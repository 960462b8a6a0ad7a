// The floor the gateway is measured against: a minimal Fastify route calling onnxruntime-node
// directly on the same model, in the Open Inference Protocol v2's JSON (one FP32 input, its
// outputs back) — no registry, no checks, no monitoring.
//
// The floor ladder (bench/serving-floor.ts --ladder) climbs from it toward the gateway one rung at
// a time, adding only Fastify features the gateway's inference route has, with the gateway's
// settings and none of Stagecraft's serving code; each rung keeps the ones below it:
//   logger  the server's pino logger (a child logger per request), request lines off
//   ids     UUIDv7 request ids (the gateway's generator), read from stagecraft-request-id if sent,
//           and the two response headers (stagecraft-request-id, stagecraft-model-version)
//   hooks   an onRequest and two preHandler hooks, callback style, that do nothing (the gateway's
//           are authentication, per-model grants and the request guard)
//   body    the route in its own scope with a raw-bytes content-type parser handing the text to
//           Fastify's JSON parser (the gateway's, for the binary extension), and the v2 answer's
//           model_name, model_version and id
import type { AddressInfo } from 'node:net';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import ort from 'onnxruntime-node';
import { requestId } from '../src/http/request-id.js';
import { createLogger } from '../src/log.js';

interface V2Input {
  name: string;
  shape: number[];
  data: number[];
}

export const RUNGS = ['bare', 'logger', 'ids', 'hooks', 'body'] as const;
export type Rung = (typeof RUNGS)[number];

export async function bareRoute(modelBytes: Uint8Array, route = '/infer', rung: Rung = 'bare') {
  const level = RUNGS.indexOf(rung);
  const session = await ort.InferenceSession.create(modelBytes);
  const app: FastifyInstance = Fastify({
    ...(level >= 1 ? { loggerInstance: createLogger('silent'), logController: new LogController({ disableRequestLogging: true }) } : {}),
    ...(level >= 2 ? { genReqId: () => requestId(), requestIdHeader: 'stagecraft-request-id' } : {}),
    // The logger's own type (pino's) narrows the instance's; the routes below use none of it.
  }) as unknown as FastifyInstance;
  if (level >= 3) {
    app.addHook('onRequest', (_req, _reply, done) => done());
    app.addHook('preHandler', (_req, _reply, done) => done());
    app.addHook('preHandler', (_req, _reply, done) => done());
  }
  const routes = async (scope: FastifyInstance) => {
    if (level >= 4) {
      const json = scope.getDefaultJsonParser('error', 'error');
      scope.removeContentTypeParser('application/json');
      scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, raw, done) => json(req, (raw as Buffer).toString('utf8'), done));
    }
    scope.post(route, async (req, reply) => {
      if (level >= 2) reply.header('stagecraft-request-id', req.id).header('stagecraft-model-version', '1');
      const input = (req.body as { inputs: V2Input[] }).inputs[0]!;
      const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', Float32Array.from(input.data), input.shape) });
      const outputs = Object.entries(out).map(([name, t]) => ({ name, shape: t.dims, datatype: 'FP32', data: Array.from(t.data as Float32Array) }));
      return level >= 4 ? { model_name: 'fraud', model_version: '1', id: req.id, outputs } : { outputs };
    });
  };
  await (level >= 4 ? app.register(routes) : routes(app));
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, session };
}
