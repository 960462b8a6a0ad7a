/* global process */
// `npm run bench:<name>` runs this: compiles the server and the benchmarks with the options
// `npm start` uses (esbuild-options.mjs) into .bench-build/ and runs the bench there with node, so a
// benchmark measures the JavaScript users run. Under tsx the same sources are compiled with
// esbuild's keepNames, which wraps every named inner closure in a `__name()` call each time it is
// created; on the inference path that was ~5 µs a request (~5 %) that `npm start` does not pay.
// Usage: node scripts/run-bench.mjs bench/serving.ts [bench flags…]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { serverBuildOptions, sources } from './esbuild-options.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, '.bench-build');
const [entry, ...args] = process.argv.slice(2);
if (!entry?.startsWith('bench/') || !entry.endsWith('.ts')) {
  process.stderr.write('usage: node scripts/run-bench.mjs bench/<name>.ts [flags…]\n');
  process.exit(2);
}
// The benches import the server (src/, sdk/) and the tests' helpers (a real OpenID Provider, …).
const files = ['src', 'sdk', 'bench', 'test/helpers'].flatMap((d) => sources(path.join(root, d)));
fs.rmSync(out, { recursive: true, force: true });
await build(serverBuildOptions(root, files, out));
// src/version.ts imports ../package.json, as in dist/.
fs.copyFileSync(path.join(root, 'package.json'), path.join(out, 'package.json'));
const run = spawnSync(process.execPath, [path.join(out, entry.replace(/\.ts$/, '.js')), ...args], { stdio: 'inherit' });
process.exit(run.status ?? 1);
