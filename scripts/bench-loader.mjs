// `npm run bench:<name>` runs `node --import ./scripts/bench-loader.mjs bench/<name>.ts`: the bench
// and the server it measures compiled as `npm start` compiles them (esbuild, esbuild-options.mjs'
// target and tsconfig), file by file as they load, in place (so paths from import.meta.url hold).
// Why not tsx: tsx compiles with esbuild's keepNames, which wraps every named inner closure in a
// `__name()` call each time it is created; on the inference path that was ~5 µs a request (~5 %)
// that `npm start` does not pay. Child processes a bench starts with process.execArgv get the same.
import { register } from 'node:module';

register('./bench-loader-hooks.mjs', import.meta.url);
