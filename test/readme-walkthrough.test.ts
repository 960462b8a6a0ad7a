// The README's walkthrough, run exactly as printed: its bash blocks, read from README.md, go to bash
// unchanged (aliases on, as in the interactive shell a reader pastes into) from the repository's
// root, against a started server named by STAGECRAFT_URL — the variable the README tells readers to
// set for another address. So the README and the product cannot drift: a renamed flag, a missing
// example file or a version that never serves fails here. On SQLite and PostgreSQL.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { configuredExtensions } from '../src/server.js';
import { DATABASES, tempDir, useRegistry } from './databases.js';
import { readmeBlocks, REPO_ROOT } from './readme-blocks.js';

/** The README resolves `stagecraft` to the built CLI: build it the way `npm start` does, when the sources changed. */
function ensureBuilt(): void {
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build-if-needed.mjs')], { cwd: REPO_ROOT, stdio: 'ignore' });
}

function runBash(script: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const file = path.join(tempDir('readme-walk-'), 'walkthrough.sh');
  // expand_aliases: bash reading a file ignores aliases unless asked; the reader's terminal does not.
  fs.writeFileSync(file, `shopt -s expand_aliases\nset -eo pipefail\n${script}\n`);
  return new Promise((resolve) => {
    const child = spawn('bash', [file], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
}

const blocks = readmeBlocks('Walkthrough');

describe.each(DATABASES)('the README walkthrough on %s', (kind) => {
  const r = useRegistry(kind, { extensions: (deps) => configuredExtensions(deps).all() });
  let url = '';
  beforeAll(async () => {
    ensureBuilt();
    await r.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(r.app.server.address() as AddressInfo).port}`;
  }, 240_000);

  it('runs every command as printed: register, promote, serve, roll back, read the history', async () => {
    expect(blocks.length).toBeGreaterThan(0);
    const run = await runBash(blocks.join('\n'), { STAGECRAFT_URL: url });
    expect(run.out).not.toMatch(/command not found|No such file/);
    expect(run.code, run.out).toBe(0);
    // The prediction was answered by v2 (Production before the rollback).
    expect(run.out).toMatch(/stagecraft-model-version: 2/i);
    const model = JSON.parse((await r.app.inject({ method: 'GET', url: '/api/v1/models/fraud' })).body);
    expect(model.stages.Production).toBe(1);
    const v2 = JSON.parse((await r.app.inject({ method: 'GET', url: '/api/v1/models/fraud/versions/2' })).body);
    expect(v2.health).toBe('failed');
    // And the gateway serves v1 again.
    const body = fs.readFileSync(path.join(REPO_ROOT, 'examples/fraud/request.json'), 'utf8');
    const infer = await r.app.inject({ method: 'POST', url: '/v2/models/fraud/infer', headers: { 'content-type': 'application/json' }, payload: body });
    expect(infer.statusCode).toBe(200);
    expect(infer.headers['stagecraft-model-version']).toBe('1');
  }, 120_000);
});
