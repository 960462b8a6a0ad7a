// The floor the gateway is measured against: a minimal Fastify route calling onnxruntime-node
// directly on the same model, in the Open Inference Protocol v2's JSON (one FP32 input, its
// outputs back) — no registry, no checks, no monitoring.
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import ort from 'onnxruntime-node';

interface V2Input {
  name: string;
  shape: number[];
  data: number[];
}

export async function bareRoute(modelBytes: Uint8Array, route = '/infer') {
  const session = await ort.InferenceSession.create(modelBytes);
  const app = Fastify();
  app.post(route, async (req) => {
    const input = (req.body as { inputs: V2Input[] }).inputs[0]!;
    const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', Float32Array.from(input.data), input.shape) });
    return { outputs: Object.entries(out).map(([name, t]) => ({ name, shape: t.dims, datatype: 'FP32', data: Array.from(t.data as Float32Array) })) };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, session };
}
