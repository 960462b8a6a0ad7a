/* global URL */
// The hooks bench-loader.mjs registers: a relative `./x.js` import resolves to `./x.ts` when only
// the TypeScript source exists (how the sources import each other), and `.ts` files load as esbuild
// transforms them (no keepNames; the compiler options of tsconfig.json).
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';
import { ESBUILD_COMMON } from './esbuild-options.mjs';

const tsconfig = JSON.parse(fs.readFileSync(new URL('../tsconfig.json', import.meta.url), 'utf8'));

export async function resolve(specifier, context, next) {
  if (/^\.{1,2}\//.test(specifier) && specifier.endsWith('.js') && context.parentURL?.startsWith('file:')) {
    const js = new URL(specifier, context.parentURL);
    const ts = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
    if (!fs.existsSync(fileURLToPath(js)) && fs.existsSync(fileURLToPath(ts))) return { url: ts.href, shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  const file = fileURLToPath(url);
  const out = await transform(await fs.promises.readFile(file, 'utf8'), {
    ...ESBUILD_COMMON,
    loader: 'ts',
    sourcemap: 'inline',
    sourcefile: file,
    tsconfigRaw: { compilerOptions: tsconfig.compilerOptions },
  });
  return { format: 'module', source: out.code, shortCircuit: true };
}
