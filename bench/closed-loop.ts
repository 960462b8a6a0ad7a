// A closed-loop load generator in its own process (spawned by bench/serving-binary.ts), so the
// server under test keeps its event loop: `connections` loops, each sending its next request when
// the last answer arrived, for `duration` seconds — over HTTP/1.1 keep-alive with any body bytes
// and headers (autocannon's CLI cannot send binary bodies), or as gRPC ModelInfer calls on one
// HTTP/2 channel. The spec is a JSON file named by the first argument. Prints one JSON line: requests/s, total, errors, p50/p99 latency in ms.
import fs from 'node:fs';
import http from 'node:http';
import { inferenceClient } from '../test/grpc-client.js';

export interface LoadSpec {
  kind: 'http' | 'grpc';
  duration: number;
  connections: number;
  /** http: the URL, the body (base64) and headers. */
  url?: string;
  bodyBase64?: string;
  headers?: Record<string, string>;
  /** grpc: the port and the ModelInfer request, raw contents as base64. */
  port?: number;
  request?: Record<string, unknown> & { raw_input_contents?: string[] };
}

async function run(spec: LoadSpec) {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + spec.duration * 1000;
  let once: () => Promise<boolean>;
  let close: () => void;
  if (spec.kind === 'http') {
    const url = new URL(spec.url!);
    const body = Buffer.from(spec.bodyBase64!, 'base64');
    const agent = new http.Agent({ keepAlive: true, maxSockets: spec.connections });
    const headers = { ...spec.headers, 'content-length': String(body.length) };
    once = () =>
      new Promise((resolve) => {
        const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode === 200));
        });
        req.on('error', () => resolve(false));
        req.end(body);
      });
    close = () => agent.destroy();
  } else {
    const client = inferenceClient(spec.port!);
    const request = { ...spec.request, raw_input_contents: (spec.request!.raw_input_contents ?? []).map((b) => Buffer.from(b, 'base64')) };
    once = () => client.call('ModelInfer', request).then(() => true, () => false);
    close = () => client.close();
  }
  const loop = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const ok = await once();
      latencies.push(performance.now() - t0);
      if (!ok) errors++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: spec.connections }, loop));
  const seconds = (performance.now() - t0) / 1000;
  close();
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  return { rps: latencies.length / seconds, total: latencies.length, errors, p50: at(50), p99: at(99) };
}

run(JSON.parse(fs.readFileSync(process.argv[2], 'utf8')) as LoadSpec).then(
  (r) => {
    console.log(JSON.stringify(r));
    process.exit(0);
  },
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
