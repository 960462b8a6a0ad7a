#!/usr/bin/env node
// The `stagecraft` command of a checkout: `npx stagecraft …` anywhere in it right after `npm install`,
// or on the PATH after `npm link`. A file kept in git with its exec bit (tsc output has none), so npm
// can link it before any build. It runs the built CLI when there is one (npm start, npm run demo and
// npm run build make it), else the sources through tsx, so no step has to come first.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/src/main.js', import.meta.url);
if (existsSync(fileURLToPath(built))) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/main.ts', import.meta.url).href);
}
