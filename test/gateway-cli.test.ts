import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAgainst } from './cli-harness.js';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { registerOnnx, specFor } from './gateway-fixtures.js';
import { call, createModel, promote } from './http.js';
import { serverExtensions } from '../src/server.js';

describe.each(DATABASES)('gateway CLI on %s', (kind) => {
  const ext = serverExtensions();
  const r = useRegistry(kind, { extensions: ext.pick('serving') });
  let url = '';
  beforeAll(async () => {
    await r.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(r.app.server.address() as AddressInfo).port}`;
  });

  it('sets and shows a binding, and `status --wait` returns once every replica serves the target', async () => {
    const m = uniqueName('ranker');
    await createModel(r.app, m);
    for (const v of [1, 2]) await registerOnnx(r.app, m, specFor(v));
    await promote(r.app, m, 1);
    await call(r.app, 'PUT', `/api/v1/models/${m}/aliases/champion`, { version: 2 });

    const shown = await runAgainst(url, ['bindings', 'show', m]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('stage:Production');
    const set = await runAgainst(url, ['--json', 'bindings', 'set', m, '--alias', 'champion', '--reason', 'winner']);
    expect(set.code).toBe(0);
    expect(set.json).toEqual({ model: m, binding: 'alias:champion', target_version: 2 });
    const status = await runAgainst(url, ['--json', 'status', m, '--wait', '--timeout', '20']);
    expect(status.code).toBe(0);
    expect(status.json).toMatchObject({ model: m, binding: 'alias:champion', target_version: 2, converged: true });
    expect(status.json.replicas[0]).toMatchObject({ version: 2, state: 'serving', error: null });
    const human = await runAgainst(url, ['status', m]);
    expect(human.stdout).toMatch(/converged:\s+yes/);
    expect(human.stdout).toContain('serving');
  });

  it('refuses a binding to both a stage and an alias, and to an alias the model lacks', async () => {
    const m = uniqueName('ranker');
    await createModel(r.app, m);
    const both = await runAgainst(url, ['bindings', 'set', m, '--alias', 'a', '--stage', 'Production']);
    expect(both.code).toBe(2);
    const missing = await runAgainst(url, ['bindings', 'set', m, '--alias', 'ghost']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no alias "ghost"');
  });
});
