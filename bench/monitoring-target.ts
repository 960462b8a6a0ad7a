// A serving process for bench/monitoring.ts's throughput section: the embedded gateway with a fraud
// model over the demo's four features in Production — the demo's logistic regression, or a
// 4-1024-1024-1 MLP (argv[3]: logreg | mlp) — and monitoring on or off (argv[2]). Each side gets its own process
// Further modes (argv[2]) take monitoring apart, to attribute its cost:
//   registered  the monitoring module registered (guard, webhooks, writer thread idle), no observer
//   noop        the gateway builds every observation, for an observer that does nothing with it
//   discard     monitoring on, but the writer drops each sealed batch instead of writing it
//   burn:US     monitoring off, and a second thread burning US µs of CPU per request served, in
//               250 ms batches, as the prediction writer would
// so neither's heap, GC or background threads count against the other. Prints its base URL, then
// on each line read from stdin prints its process CPU usage, its GC pauses (and, when on, rows retained/dropped).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AddressInfo } from 'node:net';
import { defaultConfig } from '../src/config.js';
import { createDeps } from '../src/deps.js';
import { createLogger } from '../src/log.js';
import { FRAUD_FEATURES, FRAUD_V1, fraudModel, transactions, v2InferBody } from '../src/observe/demo-scenario.js';
import { mlpModelOnnx } from '../src/onnx/onnx-builder.js';
import type { Extension } from '../src/extension.js';
import { buildServer, serverExtensions } from '../src/server.js';
import type { InferenceObserver } from '../src/serving/gateway/observer.js';
import { serveUsage } from './targets.js';

const on = process.argv[2] === 'on' || process.argv[2] === 'discard';
const burnUs = process.argv[2].startsWith('burn:') ? Number(process.argv[2].slice(5)) : 0;
const modelBytes = process.argv[3] === 'mlp' ? mlpModelOnnx({ inputs: FRAUD_FEATURES.length, hidden: [1024, 1024], seed: 7, doc: 'fraud mlp' }) : fraudModel(FRAUD_V1, 'fraud v1');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecraft-bench-target-'));
// argv[4]: a postgres:// URL to serve from PostgreSQL instead of the embedded SQLite.
const deps = await createDeps({ ...defaultConfig(), dataDir, databaseUrl: process.argv[4] || null, logLevel: 'silent' }, { log: createLogger('silent') });
// The guard at its defaults (a 1 s timer), as a server runs it.
const ext = serverExtensions();
const mon = ext.observe;
const mode = process.argv[2];
const observers: InferenceObserver[] = on
  ? [mon.observer]
  : mode === 'noop'
    ? [{ observe: () => undefined }]
    : burnUs
      ? [burner(burnUs)]
      : [];
const registered = on || mode === 'registered';
// 'registered': monitoring's background work runs, but the gateway reports to no observer of it.
const extensions: Extension[] = [ext.serving, ...(registered ? [{ ...mon, observers: [] }] : []), { name: 'bench-observers', observers: on ? [] : observers }];
const { app } = await buildServer(deps, extensions);
await app.listen({ host: '127.0.0.1', port: 0 });
// discard: everything monitoring does on the serving thread, and a writer that drops each sealed batch.
if (mode === 'discard') Object.assign(mon.writer!, { writeAll: async () => Object.assign(mon.writer!, { sealed: [], sealedRows: 0 }) });
const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

async function call(method: string, url: string, body?: unknown, type = 'application/json') {
  const res = await fetch(base + url, { method, headers: body === undefined ? {} : { 'content-type': type }, body: body === undefined ? undefined : Buffer.isBuffer(body) ? (body as unknown as string) : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Counts requests; every 250 ms a worker thread spins for count × us (wall time; nothing else). */
function burner(us: number) {
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     parentPort.on('message', (n) => { const end = performance.now() + n / 1000; while (performance.now() < end); });`,
    { eval: true },
  );
  worker.unref();
  let served = 0;
  setInterval(() => {
    if (served) worker.postMessage(served * us);
    served = 0;
  }, 250).unref();
  return { observe: () => void served++ };
}

await call('POST', '/api/v1/models', { name: 'fraud' });
const blob = await call('POST', '/api/v1/blobs', modelBytes, 'application/octet-stream');
await call('POST', '/api/v1/models/fraud/versions', { files: [{ path: 'model.onnx', sha256: blob.sha256 }], tags: { 'stagecraft.feature_names': FRAUD_FEATURES.join(',') } });
await call('POST', '/api/v1/models/fraud/versions/1/stage', { stage: 'Production' });
for (let i = 0; ; i++) {
  try {
    if (Number((await call('POST', '/v2/models/fraud/infer', v2InferBody(transactions(1, 1)[0]))).model_version) === 1) break;
  } catch (err) {
    if (i > 400) throw err;
  }
  await new Promise((r) => setTimeout(r, 25));
}

serveUsage(
  base,
  async () => {
    await app.close();
    await deps.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  },
  () => ({ retained: mon.writer?.written ?? 0, dropped: mon.writer?.dropped ?? 0 }),
);
