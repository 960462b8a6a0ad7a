/* global console, process */
// `npm start` and `npm run demo` run this: compiles the server into dist/ only when a source under
// src/ or sdk/ (or the compiler settings) changed since the last build, so a restart costs nothing.
// It transpiles with esbuild (about a second) instead of tsc (over a minute on two busy cores): a
// person's first start should not wait for a type check. Types are checked by `npm run typecheck`
// and in CI; `npm run build` is the type-checked tsc build, and both write the same dist/ layout.
// The stamp is written only after a build succeeds, so a failed build is retried next time.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { serverBuildOptions, sources } from './esbuild-options.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const stamp = path.join(dist, '.build-stamp');

const files = [...sources(path.join(root, 'src')), ...sources(path.join(root, 'sdk'))];
const newest = Math.max(...[...files, ...['tsconfig.json', 'package.json'].map((f) => path.join(root, f))].map((f) => fs.statSync(f).mtimeMs));
const built = fs.statSync(stamp, { throwIfNoEntry: false })?.mtimeMs ?? 0;
if (built >= newest && fs.existsSync(path.join(dist, 'src', 'main.js'))) {
  console.log('server build is up to date (dist/)');
} else {
  console.log('compiling the server into dist/ (esbuild)…');
  await build(serverBuildOptions(root, files, dist));
  // src/version.ts imports ../package.json: tsc copies it beside the output, so must this.
  fs.copyFileSync(path.join(root, 'package.json'), path.join(dist, 'package.json'));
  // The same start-time bundling of typebox and kysely as `npm run build` (scripts/bundle-vendor.mjs).
  execFileSync(process.execPath, [path.join(root, 'scripts', 'bundle-vendor.mjs')], { stdio: 'inherit' });
  fs.writeFileSync(stamp, `${new Date().toISOString()}\n`);
}
