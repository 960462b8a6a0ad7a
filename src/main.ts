#!/usr/bin/env node
// argv -> cli. The only place that calls process.exit.
import { runCli } from './cli/cli.js';

const code = await runCli(process.argv);
process.exit(code);
