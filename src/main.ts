#!/usr/bin/env node
// argv -> cli. The only place that calls process.exit.
import module from 'node:module';

// Node ≥ 22.1 keeps compiled code in an on-disk cache, so later starts skip most of the parsing and
// compiling that dominates a start (about 0.7 s of a server's first second); Node 20 lacks it.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
// Imported after the cache is on, so the CLI's own modules go through it.
const { runCli } = await import('./cli/cli.js');

const code = await runCli(process.argv);
process.exit(code);
