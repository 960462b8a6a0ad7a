// npm run bench:sdk — what the SDK and CLI add on top of plain HTTP, on embedded SQLite:
//   get version: SDK (openapi-fetch) and in-process CLI (`versions show --json`) vs a bare fetch;
//   upload (uploadVersion: hash + stream + register) and verified download vs a bare fetch of the
//   same bytes. Figures are medians of sequential runs; the ratio to the bare fetch is what matters.
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { buildServer } from '../src/server.js';
import { runCli } from '../src/cli/cli.js';
import { defaultConfig } from '../src/config.js';
import { createDeps } from '../src/deps.js';
import { createLogger } from '../src/log.js';
import { createClient } from '../sdk/client.js';
import { downloadVersion, uploadVersion } from '../sdk/node.js';
import { fmt, measure } from './http-client.js';
import { benchTempDir, flag, removeBenchTempDir } from './harness.js';

const N = Number(flag('iterations', '300'));
const MIB = Number(flag('mib', '64'));
const ROUNDS = Number(flag('rounds', '3'));

const dataDir = benchTempDir('stagecraft-bench-sdk-');
const deps = await createDeps({ ...defaultConfig(), dataDir, logLevel: 'silent' }, { log: createLogger('silent') });
const { app } = await buildServer(deps);
await app.listen({ host: '127.0.0.1', port: 0 });
const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
const sc = createClient({ url });

await sc.models.create({ name: 'bench' });
const small = await sc.blobs.upload('weights');
await sc.versions.create('bench', { files: [{ path: 'model.bin', sha256: small.sha256 }] });

const versionUrl = `${url}/api/v1/models/bench/versions/1`;
const bare = await measure(N, async () => (await fetch(versionUrl)).json());
const viaSdk = await measure(N, () => sc.versions.get('bench', 1));
const sink = { write: () => {} };
const viaCli = await measure(N, () => runCli(['node', 'stagecraft', '--url', url, 'versions', 'show', 'bench', '1', '--json'], { stdout: sink, stderr: sink, env: {} }));

console.log(`get version (n=${N}, sequential, keep-alive)`);
console.log(`  bare fetch (baseline)      p50 ${fmt(bare.p50)}  p99 ${fmt(bare.p99)}`);
console.log(`  SDK versions.get           p50 ${fmt(viaSdk.p50)}  p99 ${fmt(viaSdk.p99)}  (${(viaSdk.p50 / bare.p50).toFixed(2)}x)`);
console.log(`  CLI in-process, --json     p50 ${fmt(viaCli.p50)}  p99 ${fmt(viaCli.p99)}  (${(viaCli.p50 / bare.p50).toFixed(2)}x)`);

// Throughput: a fresh random file per round so the "already stored" shortcut never kicks in.
const dir = benchTempDir('stagecraft-bench-art-');
const file = path.join(dir, 'model.bin');
const rate = (bytes: number, ms: number) => `${(bytes / 1024 / 1024 / (ms / 1000)).toFixed(0)} MiB/s`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const times = { bareUp: [] as number[], sdkUp: [] as number[], bareDown: [] as number[], sdkDown: [] as number[] };
for (let round = 0; round < ROUNDS; round++) {
  const bytes = Buffer.alloc(MIB * 1024 * 1024, round + 1);
  bytes.write(`${Date.now()}-${round}`);
  fs.writeFileSync(file, bytes);
  let t0 = performance.now();
  await fetch(`${url}/api/v1/blobs`, { method: 'POST', body: bytes, headers: { 'content-type': 'application/octet-stream' } }).then((r) => r.json());
  times.bareUp.push(performance.now() - t0);

  bytes.write(`other-${round}`, 64); // different bytes, so the SDK really sends them
  fs.writeFileSync(file, bytes);
  t0 = performance.now();
  const { version } = await uploadVersion(sc, 'bench', dir);
  times.sdkUp.push(performance.now() - t0);

  const fileUrl = `${url}/api/v1/models/bench/versions/${version.version}/files/model.bin`;
  t0 = performance.now();
  await (await fetch(fileUrl)).arrayBuffer();
  times.bareDown.push(performance.now() - t0);
  const out = benchTempDir('stagecraft-bench-dl-');
  t0 = performance.now();
  await downloadVersion(sc, 'bench', version.version, out);
  times.sdkDown.push(performance.now() - t0);
  removeBenchTempDir(out);
}
const size = MIB * 1024 * 1024;
console.log(`\n${MIB} MiB file, median of ${ROUNDS} rounds`);
console.log(`  upload:   bare fetch of a Buffer ${rate(size, median(times.bareUp))}; SDK uploadVersion (hash, stat, stream, register) ${rate(size, median(times.sdkUp))} (${(median(times.sdkUp) / median(times.bareUp)).toFixed(2)}x the time)`);
console.log(`  download: bare fetch to memory   ${rate(size, median(times.bareDown))}; SDK downloadVersion (verify, fsync, rename) ${rate(size, median(times.sdkDown))} (${(median(times.sdkDown) / median(times.bareDown)).toFixed(2)}x the time)`);

await app.close();
await deps.close();
removeBenchTempDir(dataDir);
removeBenchTempDir(dir);
